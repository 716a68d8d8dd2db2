"""Every control against a real collection of the fleet (moto over HTTP): buckets laid out to pass
and to fail each one, including the edge cases — encryption missing vs access denied, logging
into itself, replication outside the EEA, Object Lock absent on a backup bucket."""

from __future__ import annotations

import json

import pytest

from controlplane.results import Status
from hds_s3 import checks_access, checks_account, checks_encryption, checks_location, checks_logging, checks_resilience
from hds_s3.snapshot import AspectState
from tests.plugins.s3.conftest import Fleet
from tests.plugins.s3.helpers import by_resource, check_ctx

BUCKET_VERDICTS = [
    # S3-01 default encryption
    (checks_encryption.default_encryption, "good", Status.passed, "customer-managed key"),
    (checks_encryption.default_encryption, "logs", Status.passed, "default encryption AES256"),
    (checks_encryption.default_encryption, "plain", Status.failed, "no default encryption"),
    (checks_encryption.default_encryption, "aes-needs-kms", Status.failed, "requires SSE-KMS"),
    (checks_encryption.default_encryption, "aws-managed", Status.failed, "AWS-managed key aws/s3"),
    (checks_encryption.default_encryption, "denied", Status.error, "access denied (AccessDenied"),
    (checks_encryption.default_encryption, "never-created", Status.error, "does not exist"),
    # S3-03 TLS only
    (checks_encryption.tls_only, "good", Status.passed, "DenyWithoutTLS denies every request without TLS"),
    (checks_encryption.tls_only, "plain", Status.failed, "no bucket policy"),
    (checks_encryption.tls_only, "public-policy", Status.failed, "no policy statement denies"),
    # S3-04 public access
    (checks_access.public_access_bucket, "good", Status.passed, "all four flags on"),
    (checks_access.public_access_bucket, "plain", Status.failed, "READ to everyone (AllUsers)"),
    (checks_access.public_access_bucket, "public-policy", Status.failed, "PublicRead allows everyone"),
    (checks_access.public_access_bucket, "denied", Status.error, "public access block: access denied"),
    # S3-06 versioning: readable on the bucket whose encryption is denied
    (checks_resilience.versioning, "good", Status.passed, "versioning enabled"),
    (checks_resilience.versioning, "plain", Status.failed, "never enabled"),
    (checks_resilience.versioning, "denied", Status.passed, "versioning enabled"),
    # S3-07 Object Lock on backup and log buckets
    (checks_resilience.object_lock, "logs", Status.passed, "COMPLIANCE, default retention 30 days"),
    (checks_resilience.object_lock, "backup", Status.passed, "default retention 35 days"),
    (checks_resilience.object_lock, "backup-unlocked", Status.failed, "Object Lock not enabled"),
    # S3-08 access logging and retention (contract: at least 365 days)
    (checks_logging.access_logging, "good", Status.passed, "deleted between 400 and 430 days"),
    (checks_logging.access_logging, "plain", Status.failed, "server access logging disabled"),
    (checks_logging.access_logging, "self-logging", Status.failed, "written into the bucket itself"),
    (checks_logging.access_logging, "short-logged", Status.failed, "after 30 days: shorter than the contracted 365"),
    # S3-09 replication of critical buckets
    (checks_resilience.replication, "good", Status.passed, "replica in eu-central-1"),
    (checks_resilience.replication, "critical-us", Status.failed, "replica-us is in us-east-1, outside the allowed"),
    (checks_resilience.replication, "critical-alone", Status.failed, "no replication configured"),
    # S3-10 data location, replicas included
    (checks_location.data_location, "good", Status.passed, "stored in eu-west-3, replicas in eu-central-1"),
    (checks_location.data_location, "in-us", Status.failed, "stored in us-east-1, outside the allowed regions"),
    (checks_location.data_location, "critical-us", Status.failed, "replica-us in us-east-1, outside"),
]


@pytest.mark.parametrize(
    ("check", "short", "status", "fragment"),
    BUCKET_VERDICTS,
    ids=[f"{c.__name__}-{b}-{s}" for c, b, s, _ in BUCKET_VERDICTS],
)
def test_bucket_verdict(fleet: Fleet, check, short, status, fragment) -> None:
    findings = by_resource(check(fleet.snapshot, check_ctx(fleet.target)))
    finding = findings[fleet.name(short)]
    assert finding.status is status, finding
    assert fragment in finding.message
    if status is Status.passed:
        assert finding.evidence["bucket"] == fleet.name(short)


def test_encryption_missing_and_access_denied_are_told_apart(fleet: Fleet) -> None:
    plain = fleet.snapshot.bucket(fleet.name("plain"))
    denied = fleet.snapshot.bucket(fleet.name("denied"))
    assert plain is not None and denied is not None
    assert plain.encryption.state is AspectState.missing
    assert plain.encryption.reason == "ServerSideEncryptionConfigurationNotFoundError"
    assert denied.encryption.state is AspectState.denied
    assert denied.versioning.state is AspectState.value


def test_rotation_judged_per_key_with_the_buckets_using_it(fleet: Fleet) -> None:
    findings = by_resource(checks_encryption.kms_key_rotation(fleet.snapshot, check_ctx(fleet.target)))
    assert findings[fleet.kms_key].status is Status.passed
    unrotated = findings[fleet.unrotated_key]
    assert unrotated.status is Status.failed
    assert unrotated.evidence["used_by"] == [fleet.name("unrotated")]
    assert "rotation disabled" in unrotated.message


def test_log_buckets_are_not_asked_to_log_themselves(fleet: Fleet) -> None:
    resources = by_resource(checks_logging.access_logging(fleet.snapshot, check_ctx(fleet.target)))
    assert fleet.name("logs") not in resources
    assert fleet.name("good") in resources


def test_object_lock_judges_only_backup_and_log_buckets(fleet: Fleet) -> None:
    resources = set(by_resource(checks_resilience.object_lock(fleet.snapshot, check_ctx(fleet.target))))
    assert resources == {fleet.name("logs"), fleet.name("backup"), fleet.name("backup-unlocked")}


def test_account_controls_pass_and_fail(fleet: Fleet) -> None:
    ctx = check_ctx(fleet.target)
    account = f"account {fleet.admin.account_id}"
    [pab] = checks_access.public_access_account(fleet.snapshot, ctx)
    [trail] = checks_account.cloudtrail(fleet.snapshot, ctx)
    [mfa] = checks_account.console_mfa(fleet.snapshot, ctx)
    [keys] = checks_account.access_key_age(fleet.snapshot, ctx)
    assert (pab.status, pab.resource) == (Status.passed, account)
    assert trail.status is Status.passed and "organisation-trail" in trail.message
    assert mfa.status is Status.failed and mfa.evidence["without_mfa"] == ["bob"]
    assert keys.status is Status.passed


def test_access_keys_older_than_the_parameter_fail(fleet: Fleet) -> None:
    [finding] = checks_account.access_key_age(fleet.snapshot, check_ctx(fleet.target, {"max_access_key_age_days": 0}))
    assert finding.status is Status.failed
    assert {k["user"] for k in finding.evidence["too_old"]} >= {"ci", "auditor"}


def test_evidence_is_json_and_free_of_the_secret_key(fleet: Fleet) -> None:
    ctx = check_ctx(fleet.target)
    checks = [
        checks_encryption.default_encryption,
        checks_encryption.kms_key_rotation,
        checks_encryption.tls_only,
        checks_access.public_access_bucket,
        checks_access.public_access_account,
        checks_resilience.versioning,
        checks_resilience.object_lock,
        checks_logging.access_logging,
        checks_resilience.replication,
        checks_location.data_location,
        checks_account.cloudtrail,
        checks_account.console_mfa,
        checks_account.access_key_age,
    ]
    dumped = json.dumps([[f.evidence, f.message] for check in checks for f in check(fleet.snapshot, ctx)])
    assert fleet.auditor.secret_access_key not in dumped
    assert fleet.admin.secret_access_key not in dumped
