"""Backup checks on the stored copies: freshness against the RPO, off-site and in the EEA,
immutability, encryption at rest. Pure functions of the snapshot; restore checks are in
`checks_restore`.

Freshness judges the newest backup (the recovery point); immutability and encryption judge every
stored backup and manifest of each set (`SetSnapshot.stored`), since a ransomware deletes, and a
misconfigured job leaves unencrypted, the older ones as well."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_backup.snapshot import BackupSnapshot, SetSnapshot
from hds_s3.api import Aspect, AspectState

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


@check("backup.freshness", "backup", "newest backup within the RPO")
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


@check("backup.off_site", "backup", "copy on another site, in the EEA")
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


def _objects_locked(snap: BackupSnapshot, s: SetSnapshot, ctx: CheckContext) -> Finding:
    """Every object stored within the minimum retention carries a lock, in an allowed mode, that
    lasts at least that retention from its upload (not merely "some lock, still active"); the
    newest backup, whatever its age, is the one a recovery needs: it is always judged."""
    min_days = int(ctx.params.get("min_retention_days", 30))
    modes = tuple(ctx.params.get("allowed_modes", ("COMPLIANCE", "GOVERNANCE")))
    window = timedelta(days=min_days)
    skew = timedelta(seconds=CLOCK_SKEW_S)
    within = [o for o in s.stored if o.last_modified > snap.collected_at - window or o is s.newest]
    unreadable_heads = [f"{o.key}: {o.head_error}" for o in within if o.head_error]
    weak: list[str] = []
    for obj in within:
        if obj.head_error:
            continue
        if not obj.lock_mode or obj.lock_until is None:
            weak.append(f"{obj.key} (no retention)")
        elif obj.lock_mode not in modes:
            weak.append(f"{obj.key} ({obj.lock_mode} mode)")
        elif obj.lock_until + skew < obj.last_modified + window:
            weak.append(f"{obj.key} (locked until {obj.lock_until:%Y-%m-%d}, less than {min_days} days)")
        elif obj is s.newest and obj.lock_until <= snap.collected_at:
            weak.append(f"{obj.key} (the newest backup, retention ended {obj.lock_until:%Y-%m-%d})")
    evidence: dict[str, Any] = {
        "objects_within_retention": len(within),
        "min_retention_days": min_days,
        "newest": s.newest.describe() if s.newest else None,
    }
    if within and not weak and not unreadable_heads:
        evidence["earliest_retain_until"] = min(o.lock_until for o in within if o.lock_until).isoformat()
    if weak:
        evidence["not_protected"] = weak[:50]
        return Finding(
            Status.failed,
            f"{len(weak)} of {len(within)} objects stored in the last {min_days} days can be deleted before "
            f"{min_days} days: {', '.join(weak[:5])}" + (" …" if len(weak) > 5 else ""),
            s.name,
            evidence,
        )
    if unreadable_heads or s.not_inspected:
        evidence["unreadable"] = unreadable_heads[:50]
        evidence["not_inspected"] = list(s.not_inspected[:50])
        missing = len(unreadable_heads) + len(s.not_inspected)
        return Finding(Status.error, f"the retention of {missing} stored objects could not be read", s.name, evidence)
    return Finding(
        Status.passed,
        f"every object stored in the last {min_days} days ({len(within)}) is locked for at least {min_days} days",
        s.name,
        evidence,
    )


@check("backup.immutability", "backup", "copy cannot be deleted during retention")
def immutability(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    if not snap.location.ok:
        yield unreadable(snap.location, f"backup bucket {snap.bucket}", snap.bucket)
        return
    yield _bucket_lock(snap, ctx)
    for s in snap.sets:
        if s.listing.ok and s.newest is not None:
            yield _objects_locked(snap, s, ctx)
    if snap.probe is not None:
        resource = f"{snap.bucket}: probe"
        evidence = {"probe_key": snap.probe.key, "detail": snap.probe.detail}
        if snap.probe.refused is True:
            yield Finding(Status.passed, snap.probe.detail, resource, evidence)
        elif snap.probe.refused is False:
            yield Finding(Status.failed, snap.probe.detail, resource, evidence)
        else:
            yield Finding(Status.error, snap.probe.detail, resource, evidence)


@check("backup.encryption", "backup", "backup objects encrypted at rest")
def encryption(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    """Every stored backup and manifest of each set, one finding per set."""
    require_kms = bool(ctx.params.get("require_kms", False))
    for s in snap.sets:
        if not s.listing.ok:
            yield unreadable(s.listing, f"backup set {s.name}", s.name)
            continue
        if s.stored or s.not_inspected:
            yield _set_encryption(s, require_kms)


def _set_encryption(s: SetSnapshot, require_kms: bool) -> Finding:
    counts: dict[str, int] = {}
    plain: list[str] = []
    not_kms: list[str] = []
    unreadable_heads: list[str] = []
    kms_keys: set[str] = set()
    for obj in s.stored:
        if obj.head_error:
            unreadable_heads.append(f"{obj.key}: {obj.head_error}")
            continue
        counts[obj.sse or "none"] = counts.get(obj.sse or "none", 0) + 1
        if obj.sse_kms_key:
            kms_keys.add(obj.sse_kms_key)
        if not obj.sse:
            plain.append(obj.key)
        elif require_kms and obj.sse not in KMS_ALGORITHMS:
            not_kms.append(obj.key)
    checked = len(s.stored) - len(unreadable_heads)
    evidence: dict[str, Any] = {
        "objects_checked": checked,
        "server_side_encryption": counts,
        "require_kms": require_kms,
    }
    if kms_keys:
        evidence["kms_keys"] = sorted(kms_keys)
    if plain:
        evidence["unencrypted"] = plain[:50]
        more = " …" if len(plain) > 5 else ""
        message = f"{len(plain)} of {checked} stored objects without server-side encryption: {', '.join(plain[:5])}"
        return Finding(Status.failed, message + more, s.name, evidence)
    if not_kms:
        evidence["not_kms"] = not_kms[:50]
        algorithms = ", ".join(sorted(a for a in counts if a not in KMS_ALGORITHMS))
        return Finding(
            Status.failed,
            f"{len(not_kms)} of {checked} stored objects encrypted with {algorithms}, not a KMS key",
            s.name,
            evidence,
        )
    if unreadable_heads or s.not_inspected:
        evidence["unreadable"] = unreadable_heads[:50]
        evidence["not_inspected"] = list(s.not_inspected[:50])
        missing = len(unreadable_heads) + len(s.not_inspected)
        return Finding(Status.error, f"the headers of {missing} stored objects could not be read", s.name, evidence)
    algorithms = ", ".join(sorted(counts))
    return Finding(
        Status.passed,
        f"every stored object ({checked}: backups and manifests) encrypted at rest ({algorithms})",
        s.name,
        evidence,
    )
