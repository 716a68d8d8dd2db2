"""Backup checks on the stored copies: freshness against the RPO, off-site and in the EEA,
immutability, encryption at rest. Pure functions of the snapshot; restore checks are in
`checks_restore`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_backup.snapshot import BackupSnapshot, SetSnapshot, StoredObject
from hds_s3.snapshot import Aspect, AspectState

CLOCK_SKEW_S = 300
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def unreadable(aspect: Aspect, what: str, resource: str) -> Finding:
    """A set or bucket that could not be read: a missing bucket holds no backup (fail); denied,
    unsupported or failing reads prove nothing either way (error)."""
    if aspect.state is AspectState.missing:
        return Finding(Status.failed, f"{what}: the bucket does not exist ({aspect.reason})", resource)
    return Finding(Status.error, f"{what}: cannot be read ({aspect.state}: {aspect.reason})", resource)


def hours(seconds: float) -> float:
    return round(seconds / 3600, 3)


def recovery_evidence(snap: BackupSnapshot, s: SetSnapshot) -> dict[str, Any]:
    """The newest backup and its measured RPO (age of its recovery point), for every finding."""
    out: dict[str, Any] = {"set": s.name, "prefix": s.prefix, "bucket": snap.bucket}
    if s.newest is not None:
        out["newest"] = s.newest.describe()
    point = s.recovery_point
    if point is not None:
        out["recovery_point"] = point[0].isoformat()
        out["recovery_point_source"] = point[1]
        out["measured_rpo_hours"] = hours((snap.collected_at - point[0]).total_seconds())
    if s.manifest_problem:
        out["manifest_problem"] = s.manifest_problem
    return out


def freshness(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    rpo_hours = float(ctx.tenant.contract["rpo_hours"])
    for s in snap.sets:
        if not s.listing.ok:
            yield unreadable(s.listing, f"backup set {s.name}", s.name)
            continue
        evidence = {**recovery_evidence(snap, s), "rpo_hours": rpo_hours}
        point = s.recovery_point
        if point is None:
            yield Finding(Status.failed, f"no backup found under {s.prefix!r}", s.name, evidence)
            continue
        age_s = (snap.collected_at - point[0]).total_seconds()
        if age_s < -CLOCK_SKEW_S:
            yield Finding(
                Status.failed, f"the recovery point {point[0].isoformat()} is in the future", s.name, evidence
            )
        elif age_s <= rpo_hours * 3600:
            yield Finding(
                Status.passed,
                f"newest backup is {hours(age_s)} h old, within the {rpo_hours:g} h RPO",
                s.name,
                evidence,
            )
        else:
            yield Finding(
                Status.failed,
                f"newest backup is {hours(age_s)} h old, beyond the {rpo_hours:g} h RPO",
                s.name,
                evidence,
            )


def off_site(snap: BackupSnapshot, ctx: CheckContext) -> list[Finding]:
    resource = snap.bucket
    if not snap.location.ok:
        return [unreadable(snap.location, f"backup bucket {snap.bucket}", resource)]
    region = str(snap.location.value)
    site = dict(snap.protected_site)
    evidence: dict[str, Any] = {
        "bucket_region": region,
        "backup_endpoint": snap.endpoint,
        "protected_site": site,
        "allowed_regions": list(snap.allowed_regions),
        "allowed_regions_source": snap.allowed_regions_source,
    }
    if not snap.allowed_regions:
        return [
            Finding(
                Status.error,
                f"no EEA region list for provider {snap.provider!r}: set storage.allowed_regions",
                resource,
                evidence,
            )
        ]
    other_region = site.get("region") is not None and site["region"] != region
    other_endpoint = bool(snap.protected_endpoint) and snap.protected_endpoint != snap.endpoint
    problems = []
    if not (other_region or other_endpoint):
        problems.append(f"the copy is on the same site as the data it protects (region {region}, {snap.endpoint})")
    if region not in snap.allowed_regions:
        problems.append(f"the copy is in {region}, outside the allowed (EEA) regions")
    evidence["other_region"], evidence["other_endpoint"] = other_region, other_endpoint
    if problems:
        return [Finding(Status.failed, "; ".join(problems), resource, evidence)]
    where = f"region {region}" + (f" on {snap.endpoint}" if other_endpoint else "")
    return [Finding(Status.passed, f"the copy is off-site ({where}) and in the EEA", resource, evidence)]


def _retention_days(rule: dict[str, Any]) -> int:
    default = rule.get("DefaultRetention") or {}
    return int(default.get("Days") or 0) or int(default.get("Years") or 0) * 365


def _bucket_lock(snap: BackupSnapshot, ctx: CheckContext) -> Finding:
    resource = snap.bucket
    min_days = int(ctx.params.get("min_retention_days", 30))
    modes = tuple(ctx.params.get("allowed_modes", ("COMPLIANCE", "GOVERNANCE")))
    for aspect, what in ((snap.versioning, "versioning"), (snap.object_lock, "Object Lock")):
        if aspect.state in (AspectState.denied, AspectState.error):
            return Finding(Status.error, f"{what} of {snap.bucket} cannot be read ({aspect.reason})", resource)
    evidence = {"versioning": snap.versioning.describe(), "object_lock": snap.object_lock.describe()}
    problems = []
    if not (snap.versioning.ok and (snap.versioning.value or {}).get("Status") == "Enabled"):
        problems.append("versioning is not enabled")
    lock = snap.object_lock.value if snap.object_lock.ok else None
    if snap.object_lock.state is AspectState.unsupported:
        problems.append(f"the endpoint offers no Object Lock ({snap.object_lock.reason})")
    elif not lock or lock.get("ObjectLockEnabled") != "Enabled":
        problems.append("Object Lock is not enabled")
    else:
        rule = lock.get("Rule") or {}
        mode = (rule.get("DefaultRetention") or {}).get("Mode")
        days = _retention_days(rule)
        if mode not in modes:
            problems.append(f"default retention mode is {mode or 'absent'}, expected one of {', '.join(modes)}")
        if days < min_days:
            problems.append(f"default retention is {days} days, shorter than {min_days}")
    if problems:
        return Finding(Status.failed, "; ".join(problems), resource, evidence)
    return Finding(Status.passed, "versioned, with Object Lock and a default retention", resource, evidence)


def _object_lock(snap: BackupSnapshot, s: SetSnapshot, obj: StoredObject) -> Finding:
    resource = f"{s.name}: {obj.key}"
    if obj.head_error:
        return Finding(Status.error, f"cannot read {obj.key}'s retention: {obj.head_error}", resource)
    evidence = {"key": obj.key, "version_id": obj.version_id, "lock_mode": obj.lock_mode}
    if obj.lock_until is not None:
        evidence["retain_until"] = obj.lock_until.isoformat()
    if obj.lock_mode and obj.lock_until and obj.lock_until > snap.collected_at:
        return Finding(
            Status.passed, f"newest backup locked ({obj.lock_mode}) until {obj.lock_until:%Y-%m-%d}", resource, evidence
        )
    return Finding(
        Status.failed, "the newest backup carries no active retention: it can be deleted", resource, evidence
    )


def immutability(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    if not snap.location.ok:
        yield unreadable(snap.location, f"backup bucket {snap.bucket}", snap.bucket)
        return
    yield _bucket_lock(snap, ctx)
    for s in snap.sets:
        if s.newest is not None:
            yield _object_lock(snap, s, s.newest)
    if snap.probe is not None:
        resource = f"{snap.bucket}: probe"
        evidence = {"probe_key": snap.probe.key, "detail": snap.probe.detail}
        if snap.probe.refused is True:
            yield Finding(Status.passed, snap.probe.detail, resource, evidence)
        elif snap.probe.refused is False:
            yield Finding(Status.failed, snap.probe.detail, resource, evidence)
        else:
            yield Finding(Status.error, snap.probe.detail, resource, evidence)


def encryption(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    require_kms = bool(ctx.params.get("require_kms", False))
    for s in snap.sets:
        if not s.listing.ok:
            yield unreadable(s.listing, f"backup set {s.name}", s.name)
            continue
        for obj in (s.newest, s.manifest_object):
            if obj is None:
                continue
            resource = f"{s.name}: {obj.key}"
            if obj.head_error:
                yield Finding(Status.error, f"cannot read {obj.key}'s headers: {obj.head_error}", resource)
                continue
            evidence = {"key": obj.key, "server_side_encryption": obj.sse, "require_kms": require_kms}
            if obj.sse_kms_key:
                evidence["kms_key"] = obj.sse_kms_key
            if not obj.sse:
                yield Finding(Status.failed, "stored without server-side encryption", resource, evidence)
            elif require_kms and obj.sse not in KMS_ALGORITHMS:
                yield Finding(Status.failed, f"encrypted with {obj.sse}, not a KMS key", resource, evidence)
            else:
                yield Finding(Status.passed, f"encrypted at rest ({obj.sse})", resource, evidence)
