"""Account-level reads, where the endpoint is AWS (or emulates it): the S3 Control public access
block, CloudTrail trails and their status, the IAM credential report, and the KMS keys that
bucket encryption points to. An API the provider profile lacks costs no request.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping

from hds_s3.client import TargetClients, classify, fetch, plain
from hds_s3.snapshot import AccountSnapshot, Aspect, KeySnapshot

REPORT_FIELDS = (
    "user",
    "arn",
    "password_enabled",
    "password_last_used",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
)
"""Credential-report columns the checks judge; the rest stays out of the evidence."""

TRAIL_FIELDS = (
    "Name",
    "TrailARN",
    "HomeRegion",
    "IsMultiRegionTrail",
    "LogFileValidationEnabled",
    "IsOrganizationTrail",
    "S3BucketName",
)


def read_account(clients: TargetClients, unsupported: Mapping[str, str], budget_s: float) -> AccountSnapshot:
    account_apis = {"s3control", "cloudtrail", "iam"}
    if account_apis <= set(unsupported):
        reason = "no account-level API at this endpoint"
        return AccountSnapshot(
            account_id=Aspect.unsupported(reason),
            public_access_block=Aspect.unsupported(unsupported["s3control"]),
            trails=Aspect.unsupported(unsupported["cloudtrail"]),
            credential_report=Aspect.unsupported(unsupported["iam"]),
        )
    account_id = fetch(lambda: clients("sts").get_caller_identity(), lambda r: r["Account"])
    trails = _trails(clients, unsupported)
    return AccountSnapshot(
        account_id=account_id,
        public_access_block=_account_public_access_block(clients, unsupported, account_id),
        trails=trails,
        trail_status=_trail_status(clients, trails),
        credential_report=_credential_report(clients, unsupported, budget_s),
    )


def _account_public_access_block(clients: TargetClients, unsupported: Mapping[str, str], account_id: Aspect) -> Aspect:
    if "s3control" in unsupported:
        return Aspect.unsupported(unsupported["s3control"])
    if not account_id.ok:
        return account_id
    return fetch(
        lambda: clients("s3control").get_public_access_block(AccountId=account_id.value),
        lambda r: r["PublicAccessBlockConfiguration"],
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    )


def _trails(clients: TargetClients, unsupported: Mapping[str, str]) -> Aspect:
    if "cloudtrail" in unsupported:
        return Aspect.unsupported(unsupported["cloudtrail"])
    return fetch(
        lambda: clients("cloudtrail").describe_trails(includeShadowTrails=True),
        lambda r: [{k: t.get(k) for k in TRAIL_FIELDS} for t in r.get("trailList", [])],
    )


def _trail_status(clients: TargetClients, trails: Aspect) -> dict[str, Aspect]:
    if not trails.ok:
        return {}
    keep = ("IsLogging", "LatestDeliveryError", "StartLoggingTime", "StopLoggingTime")
    return {
        t["TrailARN"]: fetch(
            lambda arn=t["TrailARN"]: clients("cloudtrail").get_trail_status(Name=arn),
            lambda r: {k: r.get(k) for k in keep if r.get(k) not in (None, "")},
        )
        for t in trails.value
    }


def _credential_report(clients: TargetClients, unsupported: Mapping[str, str], budget_s: float) -> Aspect:
    """Generate (AWS reuses a report younger than four hours), wait for it within the budget,
    then read it: two requests when a recent report exists."""
    from botocore.exceptions import BotoCoreError, ClientError

    if "iam" in unsupported:
        return Aspect.unsupported(unsupported["iam"])
    iam = clients("iam")
    deadline = time.monotonic() + budget_s
    delay = 0.25
    try:
        while iam.generate_credential_report().get("State") != "COMPLETE":
            if time.monotonic() + delay > deadline:
                return Aspect.error(f"the IAM credential report was not ready within {budget_s:g}s", transient=True)
            time.sleep(delay)  # the report is generated asynchronously by IAM
            delay = min(delay * 2, 2.0)
        response = iam.get_credential_report()
    except (ClientError, BotoCoreError) as exc:
        return classify(exc, frozenset())
    content = response.get("Content", b"").decode("utf-8", "replace")
    rows = [{k: row.get(k, "") for k in REPORT_FIELDS} for row in csv.DictReader(io.StringIO(content))]
    return Aspect.of({"generated_at": plain(response.get("GeneratedTime")), "users": rows})


def read_key(clients: TargetClients, ref: str, region: str, unsupported: Mapping[str, str]) -> KeySnapshot:
    """A key as a bucket names it (id, ARN or alias, resolved in the bucket's region); rotation
    is read by key id, which GetKeyRotationStatus requires."""
    if "kms" in unsupported:
        reason = unsupported["kms"]
        return KeySnapshot(ref, Aspect.unsupported(reason), Aspect.unsupported(reason))
    if ref.startswith("arn:"):
        region = ref.split(":")[3] or region
    kms = clients("kms", region)
    keep = ("KeyId", "Arn", "KeyManager", "KeyState", "Origin", "Enabled")
    metadata = fetch(
        lambda: kms.describe_key(KeyId=ref),
        lambda r: {k: r["KeyMetadata"].get(k) for k in keep},
        frozenset({"NotFoundException"}),
    )
    if not metadata.ok:
        return KeySnapshot(ref, metadata, metadata)
    rotation = fetch(
        lambda: kms.get_key_rotation_status(KeyId=metadata.value["KeyId"]),
        lambda r: bool(r.get("KeyRotationEnabled")),
    )
    return KeySnapshot(ref, metadata, rotation)
