"""Checks on the stored copies, collected from the local S3 server: freshness (RPO), off-site and
in the EEA, immutability (configuration, retention of the newest object, deletion probe) and
encryption of each backup object."""

from __future__ import annotations

from datetime import timedelta

from controlplane.results import Status
from hds_backup import checks, checks_restore
from hds_backup.manifest import BackupManifest
from tests.plugins.backup.helpers import (
    BackupBucket,
    check_ctx,
    collect,
    new_bucket,
    only,
    statuses,
    tar_bytes,
    utc_now,
)

UNTESTED = {"name": "docs", "prefix": "f/", "format": "tar", "restore": {"enabled": False}}


def _manifest(data: bytes, created_hours_ago: float = 1) -> BackupManifest:
    import hashlib

    return BackupManifest.model_validate(
        {
            "tool": "tar",
            "created_at": (utc_now() - timedelta(hours=created_hours_ago)).isoformat(),
            "source": {"kind": "files", "name": "docs"},
            "artefact": {
                "name": "d.tar",
                "format": "tar",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            "files": [],
        }
    )


def _stored(bucket: BackupBucket, hours_ago: float = 1, manifest: bool = True, **fields):
    data = tar_bytes([])
    bucket.put_backup("f/d.tar", data, _manifest(data, hours_ago) if manifest else None)
    target = bucket.target([UNTESTED], **fields)
    return collect(target), target


def test_fresh_backup_passes_freshness_and_says_where_its_date_comes_from(locked_bucket):
    snap, target = _stored(locked_bucket, hours_ago=2)
    finding = only(checks.freshness(snap, check_ctx(target)))
    assert finding.status is Status.passed
    assert 2 <= finding.evidence["measured_rpo_hours"] < 2.1
    assert finding.evidence["recovery_point_source"] == "manifest created_at"


def test_without_manifest_the_objects_date_is_the_recovery_point(locked_bucket):
    snap, target = _stored(locked_bucket, manifest=False)
    finding = only(checks.freshness(snap, check_ctx(target, contract={"rpo_hours": 1})))
    assert finding.status is Status.passed
    assert finding.evidence["recovery_point_source"] == "object LastModified (no usable manifest)"
    assert "no manifest" in finding.evidence["manifest_problem"]


def test_stale_backup_fails_against_the_tenants_rpo(locked_bucket):
    snap, target = _stored(locked_bucket, hours_ago=13)
    assert only(checks.freshness(snap, check_ctx(target, contract={"rpo_hours": 24}))).status is Status.passed
    finding = only(checks.freshness(snap, check_ctx(target, contract={"rpo_hours": 12})))
    assert finding.status is Status.failed and finding.message.endswith("beyond the 12 h RPO")


def test_copy_in_another_eea_region_is_off_site(locked_bucket):
    snap, target = _stored(locked_bucket)
    finding = only(checks.off_site(snap, check_ctx(target)))
    assert finding.status is Status.passed
    assert finding.evidence["bucket_region"] == "eu-central-1"
    assert finding.evidence["protected_site"] == {"region": "eu-west-3"}


def test_copy_beside_the_data_is_not_off_site(plain_bucket):
    snap, target = _stored(plain_bucket)
    finding = only(checks.off_site(snap, check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message.startswith("the copy is on the same site as the data it protects (region eu-west-3")


def test_another_endpoint_in_the_same_region_is_off_site(plain_bucket):
    snap, target = _stored(
        plain_bucket, protected_site={"region": "eu-west-3", "endpoint_url": "https://s3.dc1.example"}
    )
    finding = only(checks.off_site(snap, check_ctx(target)))
    assert finding.status is Status.passed and finding.evidence["other_endpoint"] is True


def test_copy_outside_the_eea_fails(endpoint, account):
    creds, refs = account
    bucket = new_bucket(endpoint, creds, refs, region="us-east-1")
    snap, target = _stored(bucket)
    finding = only(checks.off_site(snap, check_ctx(target)))
    assert finding.status is Status.failed
    assert "the copy is in us-east-1, outside the allowed (EEA) regions" in finding.message


def test_locked_bucket_is_immutable_and_refuses_the_probe(locked_bucket):
    snap, target = _stored(locked_bucket, immutability_probe=True)
    findings = list(checks.immutability(snap, check_ctx(target)))
    assert statuses(findings) == [Status.passed] * 3
    _config, newest, probe = findings
    assert newest.resource == "docs" and newest.evidence["objects_within_retention"] == 2
    assert newest.message == "every object stored in the last 30 days (2) is locked for at least 30 days"
    assert probe.message.startswith("deleting probe version") and "refused" in probe.message
    assert probe.evidence["probe_key"].startswith("hds-immutability-probe/probe-")
    versions = locked_bucket.s3.list_object_versions(Bucket=locked_bucket.name, Prefix="hds-immutability-probe/")
    assert len(versions["Versions"]) == 1  # the probe stays until its retention ends


def test_unlocked_bucket_fails_and_the_probe_is_deleted(plain_bucket):
    snap, target = _stored(plain_bucket, immutability_probe=True)
    config, newest, probe = checks.immutability(snap, check_ctx(target))
    assert config.status is Status.failed
    assert config.message == "versioning is not enabled; Object Lock is not enabled"
    assert newest.status is Status.failed
    assert probe.status is Status.failed and "deleted outright" in probe.message
    listed = plain_bucket.s3.list_objects_v2(Bucket=plain_bucket.name, Prefix="hds-immutability-probe/")
    assert listed.get("KeyCount", 0) == 0


def test_short_or_governance_retention_against_parameters(endpoint, account):
    creds, refs = account
    bucket = new_bucket(endpoint, creds, refs, object_lock=("GOVERNANCE", 7))
    snap, target = _stored(bucket)
    params = {"min_retention_days": 30, "allowed_modes": ["COMPLIANCE"]}
    config = next(iter(checks.immutability(snap, check_ctx(target, params))))
    assert config.status is Status.failed
    assert config.message == (
        "default retention mode is GOVERNANCE, expected one of COMPLIANCE; default retention is 7 days, shorter than 30"
    )


def test_each_backup_object_is_encrypted(locked_bucket):
    snap, target = _stored(locked_bucket)
    finding = only(checks.encryption(snap, check_ctx(target)))
    assert finding.resource == "docs" and finding.status is Status.passed
    assert finding.message == "every stored object (2: backups and manifests) encrypted at rest (AES256)"
    assert finding.evidence["server_side_encryption"] == {"AES256": 2}
    kms = only(checks.encryption(snap, check_ctx(target, {"require_kms": True})))
    assert kms.status is Status.failed and kms.message == "2 of 2 stored objects encrypted with AES256, not a KMS key"


def test_unencrypted_backup_objects_fail(plain_bucket):
    snap, target = _stored(plain_bucket)
    finding = only(checks.encryption(snap, check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message.startswith("2 of 2 stored objects without server-side encryption: ")
    assert sorted(finding.evidence["unencrypted"]) == ["f/d.tar", "f/d.tar.manifest.json"]


def _two_backups(bucket: BackupBucket, configure_between=None, **older_put) -> tuple:
    """Two backups with their manifests (the newer one last, by date or by key); the bucket's settings
    may change between them, and the older one may be uploaded with its own headers."""
    old, new = tar_bytes([("a.txt", b"1")]), tar_bytes([("a.txt", b"2")])
    bucket.s3.put_object(Bucket=bucket.name, Key="f/d-1.tar", Body=old, **older_put)
    bucket.s3.put_object(
        Bucket=bucket.name, Key="f/d-1.tar.manifest.json", Body=_manifest(old, 25).dumps().encode(), **older_put
    )
    if configure_between is not None:
        configure_between(bucket.s3)
    bucket.put_backup("f/d-2.tar", new, _manifest(new, 1))
    target = bucket.target([UNTESTED])
    return collect(target), target


def test_an_older_unencrypted_backup_fails_although_the_newest_is_encrypted(endpoint, account):
    """Default encryption turned on after the first backup: the older one stays unencrypted."""
    creds, refs = account
    bucket = new_bucket(endpoint, creds, refs, encryption="none")
    encrypt = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    snap, target = _two_backups(
        bucket, lambda s3: s3.put_bucket_encryption(Bucket=bucket.name, ServerSideEncryptionConfiguration=encrypt)
    )
    assert snap.sets[0].newest.key == "f/d-2.tar" and snap.sets[0].newest.sse == "AES256"
    finding = only(checks.encryption(snap, check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.evidence["server_side_encryption"] == {"AES256": 2, "none": 2}
    assert sorted(finding.evidence["unencrypted"]) == ["f/d-1.tar", "f/d-1.tar.manifest.json"]


def test_an_older_backup_locked_too_briefly_fails_immutability(locked_bucket):
    """A job that set its own 2-day retention on the older backup, overriding the bucket's default."""
    until = utc_now() + timedelta(days=2)
    snap, target = _two_backups(locked_bucket, ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
    config, objects = checks.immutability(snap, check_ctx(target))
    assert config.status is Status.passed
    assert objects.status is Status.failed
    assert objects.message.startswith("2 of 4 objects stored in the last 30 days can be deleted before 30 days: ")
    assert sorted(objects.evidence["not_protected"]) == [
        f"f/d-1.tar (locked until {until:%Y-%m-%d}, less than 30 days)",
        f"f/d-1.tar.manifest.json (locked until {until:%Y-%m-%d}, less than 30 days)",
    ]


def test_missing_bucket_fails_freshness_and_errors_nothing(account, endpoint):
    creds, refs = account
    bucket = BackupBucket(endpoint, creds, "sauvegardes-inexistant", "eu-central-1", refs)
    target = bucket.target([UNTESTED])
    snap = collect(target)
    ctx = check_ctx(target)
    for check in (checks.freshness, checks.off_site, checks.immutability, checks.encryption):
        finding = only(check(snap, ctx))
        assert finding.status is Status.failed and "the bucket does not exist" in finding.message
    assert only(checks_restore.restore_integrity(snap, ctx)).status is Status.failed


def test_disabled_restore_test_is_a_failure(locked_bucket):
    snap, target = _stored(locked_bucket)
    integrity = only(checks_restore.restore_integrity(snap, check_ctx(target)))
    assert integrity.status is Status.failed and "disabled" in integrity.message
    assert only(checks_restore.restore_time(snap, check_ctx(target))).status is Status.failed
