"""Backup and redundancy (ISO 27001:2022 A.8.13, A.5.33, A.8.14): versioning on every bucket
(S3-06), Object Lock on backup and log buckets (S3-07), replication of critical buckets to a
second region (S3-09). Pure functions of an S3Snapshot."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.snapshot import NOT_COLLECTED, Aspect, AspectState, BucketSnapshot, S3Snapshot, destination_bucket
from hds_s3.verdicts import bucket_evidence, each_bucket, unobservable


@check("s3.versioning", "s3", "versioning enabled")
def versioning(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-06: versioning enabled, so an overwrite or deletion can be undone."""

    def judge(b: BucketSnapshot) -> Finding:
        evidence = bucket_evidence(b)
        problem = unobservable(b.versioning, "the versioning status", b.name, evidence)
        if problem is not None:
            return problem
        evidence["versioning"] = b.versioning.value
        status = b.versioning.value.get("Status")
        if status == "Enabled":
            return Finding(Status.passed, "versioning enabled", b.name, evidence)
        if status == "Suspended":
            return Finding(Status.failed, "versioning suspended: new writes overwrite in place", b.name, evidence)
        return Finding(Status.failed, "versioning never enabled", b.name, evidence)

    return each_bucket(s, judge)


def _retention_days(retention: dict[str, Any]) -> int:
    return int(retention.get("Days") or 0) + 365 * int(retention.get("Years") or 0)


@check("s3.object_lock", "s3", "Object Lock on backup/log buckets")
def object_lock(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-07: backup and log buckets are immutable by default (Object Lock with a default
    retention, in an allowed mode, long enough); a log bucket's lock must not outlast the
    contract's maximum log retention, or the logs cannot be deleted in time."""
    min_days = int(ctx.params.get("min_retention_days", 30))
    modes = [str(m).upper() for m in ctx.params.get("allowed_modes", ["COMPLIANCE", "GOVERNANCE"])]
    max_log_days = ctx.tenant.contract.get("log_retention_max_days")

    def judge(b: BucketSnapshot) -> Finding:
        role = "backup" if b.has_role("backup") else "log"
        evidence = bucket_evidence(b, min_retention_days=min_days, allowed_modes=modes)
        problem = unobservable(b.object_lock, "the Object Lock configuration", b.name, evidence)
        if problem is not None:
            return problem
        if b.object_lock.state is AspectState.missing:
            evidence["object_lock"] = b.object_lock.describe()
            return Finding(
                Status.failed, f"Object Lock not enabled: this {role} bucket's objects can be deleted", b.name, evidence
            )
        config = b.object_lock.value
        evidence["object_lock"] = config
        if config.get("ObjectLockEnabled") != "Enabled":
            return Finding(Status.failed, "Object Lock not enabled", b.name, evidence)
        retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
        mode, days = retention.get("Mode"), _retention_days(retention)
        if not mode or not days:
            return Finding(
                Status.failed,
                "Object Lock enabled without a default retention: objects stay deletable unless each writer locks them",
                b.name,
                evidence,
            )
        if str(mode).upper() not in modes:
            return Finding(Status.failed, f"Object Lock mode {mode}, not one of {', '.join(modes)}", b.name, evidence)
        if days < min_days:
            return Finding(
                Status.failed, f"default retention {days} days, shorter than {min_days} days", b.name, evidence
            )
        if b.has_role("log") and max_log_days is not None and days > int(max_log_days):
            evidence["log_retention_max_days"] = max_log_days
            return Finding(
                Status.failed,
                f"default retention {days} days exceeds the contract's maximum log retention ({max_log_days} days): "
                "logs cannot be deleted in time",
                b.name,
                evidence,
            )
        return Finding(Status.passed, f"Object Lock {mode}, default retention {days} days", b.name, evidence)

    return each_bucket(
        s, judge, lambda b: b.has_role("backup", "log"), "no bucket declared with the backup or log role"
    )


def _whole_bucket(rule: dict[str, Any]) -> bool:
    """A rule replicating every object: no prefix and no tag filter."""
    if rule.get("Prefix"):
        return False
    f = rule.get("Filter") or {}
    conditions = f.get("And", f)
    return not (conditions.get("Prefix") or conditions.get("Tag") or conditions.get("Tags"))


def replica_location(s: S3Snapshot, name: str) -> Aspect:
    bucket = s.bucket(name)
    return bucket.location if bucket is not None else NOT_COLLECTED


@check("s3.replication", "s3", "critical buckets replicated")
def replication(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-09: a critical bucket is replicated, whole, to a bucket in another region that is
    itself an allowed (EEA) region."""

    def judge(b: BucketSnapshot) -> Finding:
        evidence = bucket_evidence(b, region=b.location.value if b.location.ok else None)
        problem = unobservable(b.replication, "the replication configuration", b.name, evidence)
        if problem is not None:
            return problem
        if b.replication.state is AspectState.missing:
            evidence["replication"] = b.replication.describe()
            return Finding(Status.failed, "no replication configured for this critical bucket", b.name, evidence)
        rules = [r for r in b.replication.value.get("Rules", []) if r.get("Status") == "Enabled"]
        evidence["replication_rules"] = rules
        whole = [r for r in rules if _whole_bucket(r)]
        if not whole:
            why = "no enabled rule" if not rules else "enabled rules filter on prefix or tags"
            return Finding(Status.failed, f"bucket not replicated as a whole: {why}", b.name, evidence)
        failures: list[str] = []
        unknown: list[str] = []
        replicas = []
        for rule in whole:
            name = destination_bucket(rule)
            where = replica_location(s, name)
            replicas.append({"bucket": name, "location": where.describe()})
            evidence["replicas"] = replicas
            if where.state is AspectState.missing:
                failures.append(f"replica bucket {name} does not exist")
            elif not where.ok:
                unknown.append(f"location of replica bucket {name} unknown ({where.state}: {where.reason})")
            elif b.location.ok and where.value == b.location.value:
                failures.append(f"replica {name} is in the same region ({where.value}): not a second site")
            elif s.allowed_regions and where.value not in s.allowed_regions:
                failures.append(f"replica {name} is in {where.value}, outside the allowed regions")
            else:
                return Finding(Status.passed, f"replicated to {name} in {where.value}", b.name, evidence)
        # No good replica: a known shortcoming is a failure; only unknowns leave the verdict open.
        if failures:
            return Finding(Status.failed, "; ".join(failures + unknown), b.name, evidence)
        return Finding(Status.error, "; ".join(unknown), b.name, evidence)

    return each_bucket(s, judge, lambda b: b.has_role("critical"), "no bucket declared critical")
