"""Lay out buckets and account settings with chosen (mis)configurations on an endpoint, for the
demo, the tests and the benchmarks: each plan names the state a control should find.

Written against the S3 API only, through a `LocalS3Endpoint`'s clients; the order of calls
matters (ACLs before the public access block that would refuse them, log-delivery grants before
logging, versioned destinations before replication).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint

LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


@dataclass(frozen=True)
class BucketPlan:
    name: str
    region: str = "eu-west-3"
    encryption: Literal["none", "AES256", "aws:kms"] = "AES256"
    kms_key: str | None = None
    """Key ARN for aws:kms; None uses the AWS-managed key."""
    tls_only: bool = True
    block_public_access: bool = True
    public_read_acl: bool = False
    public_policy: bool = False
    versioning: bool = True
    object_lock: tuple[str, int] | None = None
    """(mode, days) of the default retention; the bucket is created with Object Lock."""
    receives_logs: bool = False
    """Grant the log-delivery group what access logging needs."""
    log_to: str | None = None
    expire_days: int | None = None
    noncurrent_expire_days: int | None = None
    replicate_to: str | None = None


@dataclass(frozen=True)
class AccountPlan:
    trail: Literal["none", "single-region", "unvalidated", "stopped", "compliant"] = "compliant"
    trail_bucket: str | None = None
    console_users: tuple[tuple[str, bool], ...] = ()
    """(user name, has MFA)."""
    key_users: tuple[str, ...] = ()
    """Users given an active access key (created now)."""
    public_access_block: bool = True


def _tls_deny(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyWithoutTLS",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _public_read(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }


def create_kms_key(endpoint: LocalS3Endpoint, creds: LocalCredentials, region: str, rotation: bool = True) -> str:
    kms = endpoint.client("kms", creds, region)
    arn = str(kms.create_key(Description="hds local tenant key")["KeyMetadata"]["Arn"])
    if rotation:
        kms.enable_key_rotation(KeyId=arn)
    return arn


def provision_buckets(endpoint: LocalS3Endpoint, creds: LocalCredentials, plans: Sequence[BucketPlan]) -> None:
    regions = {p.name: p.region for p in plans}

    def s3(name: str) -> Any:
        return endpoint.client("s3", creds, regions[name])

    for p in plans:
        create: dict[str, Any] = {"Bucket": p.name, "ObjectLockEnabledForBucket": p.object_lock is not None}
        if p.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": p.region}
        s3(p.name).create_bucket(**create)
    for p in plans:
        client = s3(p.name)
        if p.versioning or p.replicate_to:
            client.put_bucket_versioning(Bucket=p.name, VersioningConfiguration={"Status": "Enabled"})
        if p.object_lock is not None:
            mode, days = p.object_lock
            client.put_object_lock_configuration(
                Bucket=p.name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": mode, "Days": days}},
                },
            )
        if p.encryption != "none":
            default: dict[str, str] = {"SSEAlgorithm": p.encryption}
            if p.kms_key:
                default["KMSMasterKeyID"] = p.kms_key
            client.put_bucket_encryption(
                Bucket=p.name,
                ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
            )
        _acl(client, p)
        statements = ([_tls_deny(p.name)] if p.tls_only else []) + ([_public_read(p.name)] if p.public_policy else [])
        if statements:
            policy = {"Version": "2012-10-17", "Statement": statements}
            client.put_bucket_policy(Bucket=p.name, Policy=json.dumps(policy))
        if p.block_public_access:
            flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
            client.put_public_access_block(Bucket=p.name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True))
        if p.expire_days is not None:
            rule: dict[str, Any] = {"ID": "retention", "Status": "Enabled", "Filter": {"Prefix": ""}}
            rule["Expiration"] = {"Days": p.expire_days}
            if p.noncurrent_expire_days is not None:
                rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": p.noncurrent_expire_days}
            client.put_bucket_lifecycle_configuration(Bucket=p.name, LifecycleConfiguration={"Rules": [rule]})
    for p in plans:
        if p.log_to:
            s3(p.name).put_bucket_logging(
                Bucket=p.name,
                BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": p.log_to, "TargetPrefix": f"{p.name}/"}},
            )
        if p.replicate_to:
            rule = {
                "ID": "second-site",
                "Status": "Enabled",
                "Priority": 1,
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{p.replicate_to}"},
            }
            s3(p.name).put_bucket_replication(
                Bucket=p.name,
                ReplicationConfiguration={"Role": f"arn:aws:iam::{creds.account_id}:role/replication", "Rules": [rule]},
            )


def _acl(client: Any, p: BucketPlan) -> None:
    if not (p.receives_logs or p.public_read_acl):
        return
    owner = client.get_bucket_acl(Bucket=p.name)["Owner"]["ID"]
    grants: dict[str, str] = {"GrantFullControl": f'id="{owner}"'}
    if p.receives_logs:
        grants["GrantWrite"] = f'uri="{LOG_DELIVERY}"'
        grants["GrantReadACP"] = f'uri="{LOG_DELIVERY}"'
    if p.public_read_acl:
        grants["GrantRead"] = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
    client.put_bucket_acl(Bucket=p.name, **grants)


def provision_account(endpoint: LocalS3Endpoint, creds: LocalCredentials, plan: AccountPlan, region: str) -> None:
    if plan.trail != "none":
        assert plan.trail_bucket, "a trail needs a bucket"
        trail = endpoint.client("cloudtrail", creds, region)
        trail.create_trail(
            Name="organisation-trail",
            S3BucketName=plan.trail_bucket,
            IsMultiRegionTrail=plan.trail != "single-region",
            EnableLogFileValidation=plan.trail != "unvalidated",
        )
        if plan.trail != "stopped":
            trail.start_logging(Name="organisation-trail")
    iam = endpoint.client("iam", creds)
    for name, mfa in plan.console_users:
        iam.create_user(UserName=name)
        iam.create_login_profile(UserName=name, Password="Local-Demo-Only-1!")
        if mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )
    for name in plan.key_users:
        if name not in {n for n, _ in plan.console_users}:
            iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
    if plan.public_access_block:
        flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        endpoint.client("s3control", creds, region).put_public_access_block(
            AccountId=creds.account_id, PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
        )
