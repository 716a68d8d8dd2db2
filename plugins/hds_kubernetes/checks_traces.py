"""The client's right to consult access traces (HDS v2 EXI 15/16) on a Kubernetes target: the
API server's audit log files are declared as its trace source (TRC-11), still written (TRC-12),
and cover the contracted retention without a gap (TRC-13), judged from the files' write times by
the core's shared rules (`controlplane.traces.coverage`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from controlplane.traces.coverage import judge_coverage, judge_fresh
from hds_kubernetes.scope import TenantScope
from hds_kubernetes.target import KubernetesTarget

_UNDECLARED = (
    "no trace source: declare trace_logs.audit_files (the API server's audit log files) on this target, so the "
    "tenant's accesses can be exported with hdsctl traces"
)


def _summary(scope: TenantScope, ctx: CheckContext) -> Finding | dict[str, Any]:
    target: KubernetesTarget = ctx.target  # type: ignore[assignment]
    if target.trace_logs is None or scope.traces is None:
        return Finding(Status.failed, _UNDECLARED, ctx.target_name, {"trace_logs": None})
    return dict(scope.traces)


@check("kubernetes.trace_source", "kubernetes", "the API server audit logs are declared as the trace source")
def trace_source(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    summary = _summary(scope, ctx)
    if isinstance(summary, Finding):
        return [summary]
    target: KubernetesTarget = ctx.target  # type: ignore[assignment]
    evidence = {
        "audit_files": summary["sources"],
        "namespaces": list(target.namespaces.names),
        "files": summary["units"],
    }
    if not summary["units"]:
        return [Finding(Status.failed, "no audit log file matches trace_logs.audit_files", ctx.target_name, evidence)]
    return [Finding(Status.passed, f"{summary['units']} audit log files", ctx.target_name, evidence)]


@check("kubernetes.trace_fresh", "kubernetes", "the newest audit log is recent: logs are flowing")
def trace_fresh(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    summary = _summary(scope, ctx)
    if isinstance(summary, Finding):
        return [summary]
    max_age = float(ctx.tenant.contract.get("trace_max_age_hours") or 24)
    return [judge_fresh(summary, datetime.fromisoformat(summary["at"]), max_age, ctx.target_name)]


@check("kubernetes.trace_coverage", "kubernetes", "audit logs cover the contracted retention without gaps")
def trace_coverage(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    summary = _summary(scope, ctx)
    if isinstance(summary, Finding):
        return [summary]
    retention = int(ctx.tenant.contract.get("log_retention_days") or 365)
    max_gap = float(ctx.tenant.contract.get("trace_max_gap_hours") or 48)
    return [judge_coverage(summary, retention, max_gap, ctx.target_name)]
