"""The client's right to consult access traces (HDS v2 EXI 15/16, ISO 27001:2022 A.8.15, A.8.16,
A.5.33), on an S3 target: a trace source for every data bucket (TRC-01), logs still flowing
(TRC-02), and covering the contracted retention without a gap (TRC-03). The judging of flow and
coverage is the core's (`controlplane.traces.coverage`), shared by every kind of trace source."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from controlplane.traces.coverage import judge_coverage, judge_fresh
from hds_s3.snapshot import S3Snapshot
from hds_s3.target import S3Target
from hds_s3.verdicts import unobservable

_UNDECLARED = (
    "no trace_logs declared on this target: whether its access logs are flowing and cover the retention is "
    "not observed (declare trace_logs, see README 'Access traces')"
)


@check("s3.trace_source", "s3", "every data bucket has a trace source for hdsctl traces")
def trace_source(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    target: S3Target = ctx.target  # type: ignore[assignment]
    declared = target.trace_logs is not None and bool(target.trace_logs.access_logs)
    findings: list[Finding] = []
    for b in s.buckets:
        if not b.has_role("data", "critical"):
            continue
        evidence: dict[str, Any] = {"bucket": b.name}
        if declared:
            assert target.trace_logs is not None and target.trace_logs.access_logs
            evidence["trace_logs"] = [loc.model_dump() for loc in target.trace_logs.access_logs]
            findings.append(Finding(Status.passed, "access logs read from the declared trace_logs", b.name, evidence))
            continue
        problem = unobservable(b.logging, "the server access logging configuration", b.name, evidence)
        if problem is not None:
            findings.append(problem)
            continue
        evidence["logging"] = b.logging.value
        log_bucket = (b.logging.value or {}).get("TargetBucket")
        if log_bucket:
            findings.append(Finding(Status.passed, f"access logs delivered to s3://{log_bucket}/", b.name, evidence))
        else:
            findings.append(
                Finding(
                    Status.failed,
                    "no trace source: server access logging is off and no trace_logs declared",
                    b.name,
                    evidence,
                )
            )
    if not findings:
        return [Finding(Status.not_applicable, "no data bucket on this target", s.target)]
    return findings


def _summary(s: S3Snapshot, ctx: CheckContext) -> Finding | dict[str, Any]:
    target: S3Target = ctx.target  # type: ignore[assignment]
    if target.trace_logs is None:
        return Finding(Status.failed, _UNDECLARED, s.target, {"trace_logs": None})
    problem = unobservable(s.traces, "the trace log objects", s.target, {})
    return problem if problem is not None else s.traces.value


@check("s3.trace_fresh", "s3", "the newest access trace is recent: logs are flowing")
def trace_fresh(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    summary = _summary(s, ctx)
    if isinstance(summary, Finding):
        return [summary]
    max_age = float(ctx.tenant.contract.get("trace_max_age_hours") or 24)
    return [judge_fresh(summary, s.collected_at, max_age, s.target)]


@check("s3.trace_coverage", "s3", "access traces cover the contracted retention without gaps")
def trace_coverage(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    summary = _summary(s, ctx)
    if isinstance(summary, Finding):
        return [summary]
    retention = int(ctx.tenant.contract.get("log_retention_days") or 365)
    max_gap = float(ctx.tenant.contract.get("trace_max_gap_hours") or 48)
    return [judge_coverage(summary, retention, max_gap, s.target)]
