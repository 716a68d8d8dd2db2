"""TRC-11..13 on a Kubernetes target whose audit log files are real files with their write times:
an undeclared source, logs that stopped being written and a hole in the retention each fail."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from controlplane.plugin_types import CollectContext, TenantView
from controlplane.results import Status
from hds_kubernetes.checks_traces import trace_coverage, trace_fresh, trace_source
from hds_kubernetes.collect import _trace_summary
from hds_kubernetes.scope import tenant_scope
from tests.plugins.kubernetes.clusters import check_context, dump_target, shared_cluster, snapshot_of

CONTRACT = {"log_retention_days": 30, "trace_max_age_hours": 24, "trace_max_gap_hours": 48}


def _files(directory: Path, ages_hours: list[float]) -> None:
    directory.mkdir(exist_ok=True)
    now = datetime.now(UTC).timestamp()
    for i, age in enumerate(ages_hours):
        path = directory / f"audit-{i:04d}.log"
        path.write_text("{}\n")
        os.utime(path, (now - age * 3600, now - age * 3600))


def _evaluate(catalog, tmp_path: Path, ages: list[float] | None, check):
    fields = {}
    if ages is not None:
        _files(tmp_path / "audit", ages)
        fields["trace_logs"] = {"audit_files": [str(tmp_path / "audit" / "audit-*.log")]}
    target = dump_target(["alpha-prod"], **fields)
    scope = tenant_scope(snapshot_of(shared_cluster()), target)
    tenant = TenantView("alpha", "Alpha", (5,), CONTRACT)
    if ages is not None:
        scope = dataclasses.replace(scope, traces=_trace_summary(target, CollectContext(tenant, target.name, 10)))
    ctx = dataclasses.replace(check_context(catalog, f"kubernetes.{check.__name__}", target), tenant=tenant)
    (finding,) = check(scope, ctx)
    return finding


def test_audit_files_every_day_for_the_retention_pass(catalog, tmp_path: Path):
    ages = [1 + 24 * d for d in range(32)]
    for check in (trace_source, trace_fresh, trace_coverage):
        assert _evaluate(catalog, tmp_path, ages, check).status is Status.passed


def test_no_declared_audit_logs_fail_every_trace_control(catalog, tmp_path: Path):
    for check in (trace_source, trace_fresh, trace_coverage):
        finding = _evaluate(catalog, tmp_path, None, check)
        assert finding.status is Status.failed and "no trace source" in finding.message


def test_audit_log_that_stopped_fails_freshness(catalog, tmp_path: Path):
    finding = _evaluate(catalog, tmp_path, [30 + 24 * d for d in range(32)], trace_fresh)
    assert finding.status is Status.failed and "stopped flowing" in finding.message


def test_a_week_without_audit_files_is_a_gap(catalog, tmp_path: Path):
    ages = [1 + 24 * d for d in range(32) if not 5 <= d <= 12]
    finding = _evaluate(catalog, tmp_path, ages, trace_coverage)
    assert finding.status is Status.failed and "gap in the traces" in finding.message
    assert timedelta(hours=finding.evidence["longest_gap_hours"]) > timedelta(days=8)
