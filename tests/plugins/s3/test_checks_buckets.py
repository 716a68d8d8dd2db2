"""Bucket checks as pure functions of hand-built snapshots: every outcome of every aspect they
read, without any endpoint."""

from __future__ import annotations

from dataclasses import replace

from controlplane.results import Status
from hds_s3 import checks_access, checks_encryption, checks_location, checks_logging, checks_resilience
from hds_s3.snapshot import Aspect, BucketSnapshot, KeySnapshot
from tests.plugins.s3.helpers import bucket, by_resource, check_ctx, snapshot, statuses

AES = Aspect.of([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}])
KEY = "arn:aws:kms:eu-west-3:111122223333:key/k-1"
KMS = Aspect.of([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}}])
FLAGS_ON = Aspect.of(
    dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
)
PRIVATE_ACL = Aspect.of(
    {"owner": "o", "grants": [{"type": "CanonicalUser", "grantee": "o", "permission": "FULL_CONTROL"}]}
)
TLS_POLICY = Aspect.of(
    {
        "Statement": [
            {
                "Sid": "TLS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
)


def key(manager: str = "CUSTOMER", state: str = "Enabled", rotation: bool = True) -> KeySnapshot:
    metadata = {"KeyId": "k-1", "Arn": KEY, "KeyManager": manager, "KeyState": state}
    return KeySnapshot(KEY, Aspect.of(metadata), Aspect.of(rotation))


# -- what could not be read ----------------------------------------------------------------


def test_denied_is_an_error_unsupported_is_not_applicable_failure_is_an_error() -> None:
    snap = snapshot(
        bucket("a", versioning=Aspect.denied("AccessDenied: Access Denied (HTTP 403)")),
        bucket("b", versioning=Aspect.unsupported("the endpoint answered NotImplemented (HTTP 501)")),
        bucket("c", versioning=Aspect.error("SlowDown (HTTP 503), after 3 attempts", transient=True)),
    )
    findings = by_resource(checks_resilience.versioning(snap, check_ctx()))
    assert findings["a"].status is Status.error and "access denied" in findings["a"].message
    assert findings["b"].status is Status.not_applicable and "NotImplemented" in findings["b"].message
    assert findings["c"].status is Status.error and "after 3 attempts" in findings["c"].message
    assert findings["a"].evidence["observed"] == {"state": "denied", "reason": "AccessDenied: Access Denied (HTTP 403)"}


def test_an_aspect_not_collected_is_never_a_pass() -> None:
    [finding] = checks_resilience.versioning(snapshot(bucket("a")), check_ctx())
    assert finding.status is Status.error and "not collected" in finding.message


def test_no_bucket_at_all_is_not_applicable_with_the_prefix_named() -> None:
    [finding] = checks_encryption.default_encryption(snapshot(discover_prefix="clin-"), check_ctx())
    assert finding.status is Status.not_applicable
    assert "none matches prefix 'clin-'" in finding.message


def test_a_failed_listing_is_reported_beside_the_declared_buckets() -> None:
    snap = snapshot(bucket("a", encryption=AES), discover_prefix="a", listing=Aspect.denied("AccessDenied"))
    assert statuses(checks_encryption.default_encryption(snap, check_ctx())) == [Status.error, Status.passed]


# -- S3-01 default encryption ---------------------------------------------------------------


def test_kms_required_with_customer_key_passes_and_key_states_fail() -> None:
    ok = snapshot(bucket("a", encryption=KMS, require_kms=True), kms_keys={KEY: key()})
    [finding] = checks_encryption.default_encryption(ok, check_ctx())
    assert finding.status is Status.passed and "customer-managed key" in finding.message
    for k, fragment in ((key(manager="AWS"), "AWS-managed"), (key(state="PendingDeletion"), "PendingDeletion")):
        [finding] = checks_encryption.default_encryption(
            snapshot(bucket("a", encryption=KMS, require_kms=True), kms_keys={KEY: k}), check_ctx()
        )
        assert finding.status is Status.failed and fragment in finding.message


def test_a_disabled_key_fails_even_where_kms_is_not_required() -> None:
    snap = snapshot(bucket("a", encryption=KMS), kms_keys={KEY: key(state="Disabled")})
    [finding] = checks_encryption.default_encryption(snap, check_ctx())
    assert finding.status is Status.failed and "Disabled" in finding.message


def test_a_key_that_does_not_exist_fails() -> None:
    gone = KeySnapshot(KEY, Aspect.missing("NotFoundException"), Aspect.missing("NotFoundException"))
    [finding] = checks_encryption.default_encryption(
        snapshot(bucket("a", encryption=KMS), kms_keys={KEY: gone}), check_ctx()
    )
    assert finding.status is Status.failed and "does not exist" in finding.message


def test_unreadable_key_is_an_error() -> None:
    denied = KeySnapshot(KEY, Aspect.denied("AccessDeniedException"), Aspect.denied("AccessDeniedException"))
    snap = snapshot(bucket("a", encryption=KMS, require_kms=True), kms_keys={KEY: denied})
    [finding] = checks_encryption.default_encryption(snap, check_ctx())
    assert finding.status is Status.error


# -- S3-02 key rotation ---------------------------------------------------------------------


def test_rotation_not_applicable_without_kms_or_without_kms_api() -> None:
    [none] = checks_encryption.kms_key_rotation(snapshot(bucket("a", encryption=AES)), check_ctx())
    assert none.status is Status.not_applicable and "no tenant bucket is encrypted with a KMS key" in none.message
    no_api = KeySnapshot(KEY, Aspect.unsupported("provider profile 'ceph' has no kms API"), Aspect.unsupported("x"))
    [na] = checks_encryption.kms_key_rotation(
        snapshot(bucket("a", encryption=KMS), kms_keys={KEY: no_api}), check_ctx()
    )
    assert na.status is Status.not_applicable and "ceph" in na.message


def test_rotation_disabled_fails_with_the_buckets_using_the_key() -> None:
    snap = snapshot(bucket("a", encryption=KMS), bucket("b", encryption=KMS), kms_keys={KEY: key(rotation=False)})
    [finding] = checks_encryption.kms_key_rotation(snap, check_ctx())
    assert finding.status is Status.failed and finding.evidence["used_by"] == ["a", "b"] and finding.resource == KEY


# -- S3-03 TLS only -------------------------------------------------------------------------


def test_tls_policy_passes_and_near_misses_are_explained() -> None:
    [ok] = checks_encryption.tls_only(snapshot(bucket("data", policy=TLS_POLICY)), check_ctx())
    assert ok.status is Status.passed and ok.evidence["statement"]["Sid"] == "TLS"
    partial = {
        "Statement": [
            {
                "Sid": "GetOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
    [finding] = checks_encryption.tls_only(snapshot(bucket("data", policy=Aspect.of(partial))), check_ctx())
    assert finding.status is Status.failed and "GetOnly denies only s3:GetObject" in finding.message


# -- S3-04 public access --------------------------------------------------------------------


def _with_policy(b: BucketSnapshot, policy: Aspect | None = None) -> BucketSnapshot:
    return replace(b, policy=policy or Aspect.missing("NoSuchBucketPolicy"))


def test_bucket_without_public_access_block_fails() -> None:
    b = bucket("a", public_access_block=Aspect.missing("NoSuchPublicAccessBlockConfiguration"), acl=PRIVATE_ACL)
    [finding] = checks_access.public_access_bucket(snapshot(_with_policy(b)), check_ctx())
    assert finding.status is Status.failed and "no public access block on the bucket" in finding.message
    assert finding.evidence["public_access_block"]["state"] == "missing"
    partial = replace(b, public_access_block=Aspect.of({**FLAGS_ON.value, "IgnorePublicAcls": False}))
    [finding] = checks_access.public_access_bucket(snapshot(_with_policy(partial)), check_ctx())
    assert finding.status is Status.failed and finding.message == "public access block off: IgnorePublicAcls"


def test_without_public_access_block_api_acl_and_policy_decide() -> None:
    b = _with_policy(
        bucket("a", public_access_block=Aspect.unsupported("the endpoint answered NotImplemented"), acl=PRIVATE_ACL)
    )
    [finding] = checks_access.public_access_bucket(snapshot(b), check_ctx())
    assert finding.status is Status.passed and "judged on ACL and policy" in finding.message
    public_acl = Aspect.of(
        {
            "owner": "o",
            "grants": [
                {
                    "type": "Group",
                    "grantee": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                    "permission": "WRITE",
                }
            ],
        }
    )
    b = _with_policy(bucket("a", public_access_block=Aspect.unsupported("x"), acl=public_acl))
    [finding] = checks_access.public_access_bucket(snapshot(b), check_ctx())
    assert finding.status is Status.failed and "WRITE to any authenticated AWS user" in finding.message


def test_public_grant_fails_even_when_the_block_neutralises_it() -> None:
    policy = Aspect.of(
        {
            "Statement": [
                {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}
            ]
        }
    )
    b = _with_policy(bucket("a", public_access_block=FLAGS_ON, acl=PRIVATE_ACL), policy)
    [finding] = checks_access.public_access_bucket(snapshot(b), check_ctx())
    assert finding.status is Status.failed and "Open allows everyone" in finding.message


# -- S3-07 Object Lock ----------------------------------------------------------------------


def _lock(mode: str = "COMPLIANCE", days: int = 0, years: int = 0) -> Aspect:
    return Aspect.of(
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": mode, "Days": days, "Years": years}}}
    )


def test_object_lock_retention_rules() -> None:
    cases = [
        (bucket("a", ("backup",), object_lock=_lock(days=40)), {}, Status.passed, "40 days"),
        (bucket("a", ("backup",), object_lock=_lock(years=1)), {}, Status.passed, "365 days"),
        (bucket("a", ("backup",), object_lock=_lock(days=7)), {}, Status.failed, "shorter than 30 days"),
        (
            bucket("a", ("backup",), object_lock=_lock("GOVERNANCE", 40)),
            {"allowed_modes": ["COMPLIANCE"]},
            Status.failed,
            "GOVERNANCE",
        ),
        (
            bucket("a", ("backup",), object_lock=Aspect.of({"ObjectLockEnabled": "Enabled"})),
            {},
            Status.failed,
            "without a default retention",
        ),
        (
            bucket("a", ("backup",), object_lock=Aspect.missing("ObjectLockConfigurationNotFoundError")),
            {},
            Status.failed,
            "backup bucket",
        ),
    ]
    for b, params, status, fragment in cases:
        [finding] = checks_resilience.object_lock(snapshot(b), check_ctx(params=params))
        assert finding.status is status and fragment in finding.message, (b.object_lock, finding)


def test_log_bucket_lock_must_not_outlast_the_maximum_log_retention() -> None:
    b = bucket("logs", ("log",), object_lock=_lock(days=400))
    [finding] = checks_resilience.object_lock(snapshot(b), check_ctx(contract={"log_retention_max_days": 365}))
    assert finding.status is Status.failed and "cannot be deleted in time" in finding.message


def test_object_lock_not_applicable_without_backup_or_log_bucket() -> None:
    [finding] = checks_resilience.object_lock(snapshot(bucket("a")), check_ctx())
    assert finding.status is Status.not_applicable and "backup or log role" in finding.message


# -- S3-08 access logging -------------------------------------------------------------------


def _logged(rules: Aspect, versioning: str | None = None, prefix: str = "a/"):
    data = bucket("a", logging=Aspect.of({"TargetBucket": "logs", "TargetPrefix": prefix}))
    logs = bucket("logs", ("log",), lifecycle=rules, versioning=Aspect.of({"Status": versioning}))
    return snapshot(data, logs)


def _expire(days: int, noncurrent: int | None = None) -> Aspect:
    rule: dict = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": days}}
    if noncurrent is not None:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent}
    return Aspect.of([rule])


def test_log_retention_against_the_contract() -> None:
    no_lifecycle = Aspect.missing("NoSuchLifecycleConfiguration")
    cases = [
        (_logged(_expire(400)), {}, Status.passed, "deleted after 400 days"),
        (_logged(no_lifecycle), {}, Status.passed, "kept indefinitely"),
        (_logged(no_lifecycle), {"log_retention_max_days": 730}, Status.failed, "beyond the contracted maximum of 730"),
        (_logged(_expire(90)), {}, Status.failed, "after 90 days: shorter than the contracted 365"),
        (_logged(_expire(400), "Enabled"), {"log_retention_max_days": 730}, Status.failed, "noncurrent versions"),
        (_logged(_expire(400, 30), "Enabled"), {"log_retention_max_days": 730}, Status.passed, "between 400 and 430"),
    ]
    for snap, contract, status, fragment in cases:
        [finding] = checks_logging.access_logging(snap, check_ctx(contract=contract))
        assert finding.status is status and fragment in finding.message, (contract, finding)


def test_log_target_lifecycle_unreadable_or_unsupported() -> None:
    [denied] = checks_logging.access_logging(_logged(Aspect.denied("AccessDenied")), check_ctx())
    assert denied.status is Status.error and "lifecycle of log bucket logs" in denied.message
    [na] = checks_logging.access_logging(_logged(Aspect.unsupported("no lifecycle API")), check_ctx())
    assert na.status is Status.not_applicable


def test_logging_to_a_bucket_that_does_not_exist_fails() -> None:
    data = bucket("a", logging=Aspect.of({"TargetBucket": "gone", "TargetPrefix": ""}))
    gone = bucket("gone", (), location=Aspect.missing("NoSuchBucket"))
    [finding] = checks_logging.access_logging(snapshot(data, related={"gone": gone}), check_ctx())
    assert finding.status is Status.failed and "log bucket gone does not exist" in finding.message


# -- S3-09 replication, S3-10 location ----------------------------------------------------


def _replicated(destination_region: Aspect):
    rule = {"ID": "r", "Status": "Enabled", "Filter": {}, "Destination": {"Bucket": "arn:aws:s3:::copy"}}
    source = bucket("a", ("critical",), replication=Aspect.of({"Role": "arn:aws:iam::1:role/r", "Rules": [rule]}))
    return snapshot(source, related={"copy": bucket("copy", (), location=destination_region)})


def test_replication_destination_rules() -> None:
    cases = [
        (Aspect.of("eu-central-1"), Status.passed, "replicated to copy in eu-central-1"),
        (Aspect.of("eu-west-3"), Status.failed, "same region (eu-west-3): not a second site"),
        (Aspect.of("us-east-1"), Status.failed, "us-east-1, outside the allowed regions"),
        (Aspect.missing("NoSuchBucket"), Status.failed, "replica bucket copy does not exist"),
        (Aspect.denied("AccessDenied"), Status.error, "location of replica bucket copy unknown"),
    ]
    for region, status, fragment in cases:
        [finding] = checks_resilience.replication(_replicated(region), check_ctx())
        assert finding.status is status and fragment in finding.message, (region, finding)


def test_replication_of_part_of_a_bucket_fails() -> None:
    rule = {
        "ID": "r",
        "Status": "Enabled",
        "Filter": {"Prefix": "images/"},
        "Destination": {"Bucket": "arn:aws:s3:::c"},
    }
    snap = snapshot(bucket("a", ("critical",), replication=Aspect.of({"Rules": [rule]})))
    [finding] = checks_resilience.replication(snap, check_ctx())
    assert finding.status is Status.failed and "filter on prefix or tags" in finding.message


def test_location_needs_a_list_of_allowed_regions() -> None:
    [finding] = checks_location.data_location(snapshot(bucket("a"), allowed_regions=(), provider="ceph"), check_ctx())
    assert finding.status is Status.error and "set allowed_regions on target stockage" in finding.message


def test_location_judges_replicas_too() -> None:
    [finding] = checks_location.data_location(_replicated(Aspect.of("us-east-1")), check_ctx())
    assert finding.status is Status.failed and "replicated to copy in us-east-1" in finding.message
    [unknown] = checks_location.data_location(_replicated(Aspect.denied("AccessDenied")), check_ctx())
    assert unknown.status is Status.error
