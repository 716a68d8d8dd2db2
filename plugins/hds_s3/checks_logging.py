"""Traceability (ISO 27001:2022 A.8.15, HDS v2 EXI 15): server access logs of every tenant bucket
go to a separate log bucket whose lifecycle keeps them at least the contracted retention (CNIL:
6 months to 1 year) and no longer than the contracted maximum, when there is one (S3-08)."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.lifecycle import log_retention
from hds_s3.snapshot import AspectState, BucketSnapshot, S3Snapshot
from hds_s3.verdicts import bucket_evidence, each_bucket, unobservable


def _kept(earliest: int | None, latest: int | None, versioned: bool) -> str:
    if latest is None:
        if earliest is None:
            return "kept indefinitely (no expiration)"
        if versioned:
            return f"expired after {earliest} days but kept indefinitely as noncurrent versions"
        return f"deleted after {earliest} days at the earliest, but no rule deletes all of them"
    if earliest is None or earliest == latest:
        return f"deleted after {latest} days"
    return f"deleted between {earliest} and {latest} days"


@check("s3.access_logging", "s3", "access logs kept as contracted")
def access_logging(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-08. Log buckets themselves are not asked to log their own access (that would only
    move the question one bucket further)."""
    min_days = int(ctx.tenant.contract.get("log_retention_days", 365))
    max_days = ctx.tenant.contract.get("log_retention_max_days")

    def judge(b: BucketSnapshot) -> Finding:
        evidence: dict[str, Any] = bucket_evidence(b, log_retention_days=min_days, log_retention_max_days=max_days)
        problem = unobservable(b.logging, "the server access logging configuration", b.name, evidence)
        if problem is not None:
            return problem
        evidence["logging"] = b.logging.value
        target = b.logging.value.get("TargetBucket")
        if not target:
            return Finding(Status.failed, "server access logging disabled", b.name, evidence)
        prefix = str(b.logging.value.get("TargetPrefix") or "")
        if target == b.name:
            return Finding(
                Status.failed,
                "access logs are written into the bucket itself: use a separate log bucket",
                b.name,
                evidence,
            )
        log_bucket = s.bucket(target)
        if log_bucket is None or not log_bucket.exists:
            return Finding(Status.failed, f"log bucket {target} does not exist", b.name, evidence)
        for aspect, what in ((log_bucket.lifecycle, "lifecycle"), (log_bucket.versioning, "versioning status")):
            problem = unobservable(aspect, f"the {what} of log bucket {target}", b.name, evidence)
            if problem is not None:
                return problem
        rules = log_bucket.lifecycle.value if log_bucket.lifecycle.ok else []
        versioned = (log_bucket.versioning.value or {}).get("Status") in ("Enabled", "Suspended")
        retention = log_retention(rules, prefix, versioned)
        evidence.update(
            log_bucket_lifecycle=rules if log_bucket.lifecycle.state is not AspectState.missing else None,
            log_bucket_versioned=versioned,
            retention_earliest_days=retention.earliest_days,
            retention_latest_days=retention.latest_days,
            retention_rules=retention.rules,
        )
        kept = _kept(retention.earliest_days, retention.latest_days, versioned)
        where = f"{target}/{prefix}"
        if retention.earliest_days is not None and retention.earliest_days < min_days:
            return Finding(
                Status.failed,
                f"logs in {where} are deleted after {retention.earliest_days} days: "
                f"shorter than the contracted {min_days} days",
                b.name,
                evidence,
            )
        if max_days is not None and (retention.latest_days is None or retention.latest_days > int(max_days)):
            return Finding(
                Status.failed,
                f"logs in {where} are {kept}: beyond the contracted maximum of {max_days} days",
                b.name,
                evidence,
            )
        bound = f", at most {max_days}" if max_days is not None else ""
        return Finding(
            Status.passed,
            f"access logs go to {where}, {kept} (contract: at least {min_days} days{bound})",
            b.name,
            evidence,
        )

    return each_bucket(s, judge, lambda b: not b.has_role("log"), "every tenant bucket is a log bucket")
