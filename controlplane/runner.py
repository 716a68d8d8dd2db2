"""One sweep, end to end: load and validate everything, then run and store.

Everything that can be wrong with the input is checked before the store is opened, so bad
input writes nothing. The CLI, the audit features and the tests all come through here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from controlplane import __version__
from controlplane.catalog import Catalog, load_catalog
from controlplane.config import Fleet, load_fleet
from controlplane.planning import Plan, Shard, build_plan, select_controls, select_tenants
from controlplane.plugins import PluginRegistry, build_registry
from controlplane.results import CheckResult, Status
from controlplane.scheduler import RunStats, Scheduler
from controlplane.store import EvidenceStore, RunRecord

if TYPE_CHECKING:
    from controlplane.telemetry import Telemetry


@dataclass(frozen=True)
class Prepared:
    registry: PluginRegistry
    catalog: Catalog
    fleet: Fleet
    plan: Plan
    filters: dict[str, object]


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    stats: RunStats
    status: str


def load_environment(
    registry: PluginRegistry | None = None,
) -> tuple[PluginRegistry, Catalog]:
    reg = registry or build_registry()
    return reg, load_catalog(reg.catalog_files)


def prepare(
    config_path: Path,
    tenant_ids: Sequence[str] = (),
    control_ids: Sequence[str] = (),
    activities: Sequence[int] = (),
    shard: Shard | None = None,
    registry: PluginRegistry | None = None,
) -> Prepared:
    reg, catalog = load_environment(registry)
    fleet = load_fleet(config_path, reg.target_kinds, catalog)
    tenants = select_tenants(fleet, tenant_ids, shard)
    controls = select_controls(catalog, control_ids, activities)
    plan = build_plan(tenants, controls, reg, activities)
    filters: dict[str, object] = {
        "tenants": list(tenant_ids),
        "controls": list(control_ids),
        "activities": list(activities),
        "shard": f"{shard.index}/{shard.count}" if shard else None,
    }
    return Prepared(reg, catalog, fleet, plan, filters)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def execute(
    prepared: Prepared,
    store: EvidenceStore,
    on_result: Callable[[CheckResult], None] | None = None,
    run_id: str | None = None,
    telemetry: Telemetry | None = None,
) -> RunOutcome:
    """Run and store. Telemetry: the one given, else whatever the OTEL_* variables configure
    (nothing, at no cost, when they are unset), flushed before returning."""
    rid = run_id or new_run_id()
    owned = None
    if telemetry is None:
        from controlplane.telemetry import from_environment

        telemetry = owned = from_environment()
    store.begin_run(
        RunRecord(
            run_id=rid,
            started_at=_now(),
            finished_at=None,
            status="running",
            tool_version=__version__,
            catalog_digest=prepared.catalog.digest,
            config_digest=prepared.fleet.digest,
            filters=prepared.filters,
            tenants=list(prepared.plan.tenants),
            planned=prepared.plan.result_count,
            counts=None,
        )
    )
    observer = telemetry.observe_run(rid, prepared.plan, prepared.filters) if telemetry is not None else None
    scheduler = Scheduler(prepared.registry, prepared.fleet.runtime, store, on_result, observer)
    status = "interrupted"
    try:
        stats = scheduler.run(rid, prepared.plan)
        status = "completed"
    finally:
        counts = {str(k): v for k, v in scheduler.stats.counts.items()}
        store.finish_run(rid, status, _now(), counts)
        if observer is not None:
            observer.finish(status)
        if owned is not None:
            owned.shutdown()
    return RunOutcome(rid, stats, status)


def summarize(results: Iterable[dict[str, object]]) -> dict[str, dict[int, dict[str, int]]]:
    """tenant → HDS activity → status → count. A result counts for each activity it evidences."""
    table: dict[str, dict[int, dict[str, int]]] = {}
    for r in results:
        per_tenant = table.setdefault(str(r["tenant"]), {})
        for act in r["hds_activities"]:  # type: ignore[attr-defined]
            cell = per_tenant.setdefault(int(act), {str(s): 0 for s in Status})
            cell[str(r["status"])] += 1
    return table
