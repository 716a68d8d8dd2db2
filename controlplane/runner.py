"""One sweep, end to end: load and validate everything, then run and store.

Everything that can be wrong with the input is checked before the store is opened, so bad
input writes nothing. The CLI, the audit features and the tests all come through here.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from controlplane import __version__
from controlplane.catalog import Catalog, load_catalog
from controlplane.config import Fleet, load_fleet
from controlplane.errors import InputError
from controlplane.planning import Plan, Shard, build_plan, select_controls, select_tenants
from controlplane.plugins import PluginRegistry, build_registry
from controlplane.results import CheckResult, RunStatus, Status
from controlplane.scheduler import RunStats, Scheduler
from controlplane.store import EvidenceStore, RunRecord
from controlplane.store.lease import RunInProgress

if TYPE_CHECKING:
    from controlplane.governance.waiver_register import WaivingSink
    from controlplane.governance.waivers import Waiver
    from controlplane.telemetry import RunObserver, Telemetry


@dataclass(frozen=True)
class Prepared:
    registry: PluginRegistry
    catalog: Catalog
    fleet: Fleet
    plan: Plan
    filters: dict[str, object]
    waivers: tuple[Waiver, ...] = ()
    """Accepted risks of `waivers.yaml` beside the fleet file (see controlplane.governance)."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    stats: RunStats
    status: str


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted run stands: what `prepare_resume` found stored for it."""

    run_id: str
    counts: dict[str, int]
    """Stored results by status, so the finished run's counts cover both processes' work."""
    done: int
    """Checks already stored (tenant, control, target), skipped by the resumed run."""


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
    plan = build_plan(tenants, controls, reg, activities, fleet.platform)
    from controlplane.governance.clock import now
    from controlplane.governance.waivers import load_waivers

    waivers = load_waivers(config_path, fleet, catalog, now().date())
    filters: dict[str, object] = {
        "tenants": list(tenant_ids),
        "controls": list(control_ids),
        "activities": list(activities),
        "shard": f"{shard.index}/{shard.count}" if shard else None,
    }
    return Prepared(reg, catalog, fleet, plan, filters, waivers)


def planned_check_key(tenant: str, control: str, target: str) -> tuple[str, str, str]:
    """What a run plans exactly once: a control on one target of one tenant (target "" when the
    control cannot run); its findings are stored together (see `EvidenceStore.add`)."""
    return tenant, control, target


def remaining_plan(plan: Plan, done: set[tuple[str, str, str]]) -> Plan:
    """The plan without the checks already stored: a unit whose every control is done is not
    collected again."""
    units = []
    for unit in plan.units:
        keep = [
            i
            for i, p in enumerate(unit.controls)
            if planned_check_key(unit.tenant_of(i).id, p.control.id, unit.target_name) not in done
        ]
        if len(keep) == len(unit.controls):
            units.append(unit)
        elif keep:
            served = tuple(unit.served[i] for i in keep) if unit.served else ()
            units.append(replace(unit, controls=tuple(unit.controls[i] for i in keep), served=served))
    unrunnable = tuple(
        u for u in plan.unrunnable if planned_check_key(u.tenant.id, u.planned.control.id, "") not in done
    )
    attested = tuple(a for a in plan.attested if planned_check_key(a.tenant.id, a.planned.control.id, "") not in done)
    return Plan(tuple(units), unrunnable, plan.tenants, attested)


def prepare_resume(
    config_path: Path, store: EvidenceStore, run_id: str, registry: PluginRegistry | None = None
) -> tuple[Prepared, ResumePoint]:
    """Plan the rest of an interrupted run: the same plan (same fleet file, catalog and recorded
    filters, checked by digest) minus what is stored. Refuses what cannot be resumed soundly."""
    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("--resume", "", f"no run {run_id!r} in {store.location}")
    if run.status == RunStatus.completed:
        raise InputError.single("--resume", "", f"run {run_id} is already completed: nothing to resume")
    if (run.filters or {}).get("kind"):
        raise InputError.single("--resume", "", f"run {run_id} records {run.filters['kind']}s, it is not a sweep")
    if store.seals(run_id=run_id):
        raise InputError.single("--resume", "", f"run {run_id} is sealed: its evidence cannot be extended")
    f = run.filters
    shard = Shard.parse(str(f["shard"])) if f.get("shard") else None
    prepared = prepare(
        config_path, f.get("tenants") or (), f.get("controls") or (), f.get("activities") or (), shard, registry
    )
    if prepared.catalog.digest != run.catalog_digest:
        raise InputError.single(
            "--resume",
            "",
            f"the control catalog changed since run {run_id} began (installed plugins or their controls): "
            "start a new run",
        )
    if prepared.fleet.digest != run.config_digest:
        raise InputError.single(
            prepared.fleet.path,
            "",
            f"the fleet file changed since run {run_id} began (digest {prepared.fleet.digest[:12]}, "
            f"run planned with {run.config_digest[:12]}): resume it with the same file, or start a new run",
        )
    if list(prepared.plan.tenants) != list(run.tenants):
        raise InputError.single("--resume", "", f"the tenants planned now differ from run {run_id}'s: start a new run")
    done: set[tuple[str, str, str]] = set()
    counts: dict[str, int] = {}
    for r in store.results(run_id):
        done.add(planned_check_key(r["tenant"], r["control"], r["target"]))
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    plan = remaining_plan(prepared.plan, done)
    return replace(prepared, plan=plan), ResumePoint(run_id, counts, len(done))


def _take_lease(
    begin: Callable[[], None], wait_s: float | None, on_wait: Callable[[RunInProgress], None] | None
) -> None:
    """Begin (or continue) the run; with `wait_s`, retry while another run holds its tenants,
    with jittered backoff, for up to `wait_s` seconds (inf: no limit)."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    delay, announced = 0.2, None
    while True:
        try:
            begin()
            return
        except RunInProgress as exc:
            if deadline is None or time.monotonic() + delay > deadline:
                raise
            if on_wait is not None and exc.holder != announced:
                on_wait(exc)
                announced = exc.holder
        time.sleep(delay * random.uniform(0.75, 1.25))
        delay = min(delay * 1.5, 5.0)


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
    *,
    exclusive: bool = False,
    resume: ResumePoint | None = None,
    wait_s: float | None = None,
    on_wait: Callable[[RunInProgress], None] | None = None,
) -> RunOutcome:
    """Run and store. Telemetry: the one given, else whatever the OTEL_* variables configure
    (nothing, at no cost, when they are unset), flushed before returning.

    The run holds a lease while it runs (see `store.lease`); `exclusive` (what `hdsctl run`
    asks) refuses to start while another run covers one of its tenants, or waits up to `wait_s`.
    With `resume` (from `prepare_resume`) the results are appended to that run."""
    rid = resume.run_id if resume is not None else run_id or new_run_id()
    sink = _waiving_sink(prepared, store)
    if resume is not None:
        _take_lease(lambda: store.continue_run(rid, exclusive), wait_s, on_wait)
    else:
        record = RunRecord(
            run_id=rid,
            started_at="",
            finished_at=None,
            status=RunStatus.running,
            tool_version=__version__,
            catalog_digest=prepared.catalog.digest,
            config_digest=prepared.fleet.digest,
            filters=prepared.filters,
            tenants=list(prepared.plan.tenants),
            planned=prepared.plan.result_count,
            counts=None,
        )
        # started_at: when the lease is taken, not when a waiting runner first asked for it
        _take_lease(lambda: store.begin_run(replace(record, started_at=_now()), exclusive), wait_s, on_wait)
    owned = None
    if telemetry is None:
        from controlplane.telemetry import from_environment

        telemetry = owned = from_environment()
    observer = telemetry.observe_run(rid, prepared.plan, prepared.filters) if telemetry is not None else None
    scheduler = Scheduler(prepared.registry, prepared.fleet.runtime, sink, on_result, observer)
    for name, n in (resume.counts if resume is not None else {}).items():
        scheduler.stats.counts[Status(name)] += n
    status = RunStatus.interrupted
    try:
        stats = scheduler.run(rid, prepared.plan)
        _judge_attested(prepared.plan, sink, rid, scheduler, on_result, observer)
        status = RunStatus.completed
    finally:
        if status != RunStatus.completed:
            store.drop_last_check(rid)  # it may be partial; a resume runs it again
        counts = {str(k): v for k, v in scheduler.stats.counts.items()}
        store.finish_run(rid, status, _now(), counts)
        if observer is not None:
            observer.finish(status)
        if owned is not None:
            owned.shutdown()
    return RunOutcome(rid, stats, status)


def _waiving_sink(prepared: Prepared, store: EvidenceStore) -> EvidenceStore | WaivingSink:
    """The store itself, or, when waivers apply to the run's tenants, the sink that records them
    (first time seen) and marks the failures they cover."""
    planned = set(prepared.plan.tenants)
    waivers = [w for w in prepared.waivers if w.tenant in planned]
    if not waivers:
        return store
    from controlplane.governance.clock import now
    from controlplane.governance.waiver_register import WaivingSink, sync

    moment = now()
    active = sync(store, waivers, prepared.catalog, prepared.fleet, moment, "waivers.yaml")
    return WaivingSink(store, active, moment)


def _judge_attested(
    plan: Plan,
    store: EvidenceStore | WaivingSink,
    run_id: str,
    scheduler: Scheduler,
    on_result: Callable[[CheckResult], None] | None,
    observer: RunObserver | None,
) -> None:
    """Attested controls: one result each, from the attestation register (see governance); recorded
    ones (REV-01) from their records (see reversibility)."""
    if not plan.attested:
        return
    from controlplane.catalog import ControlKind
    from controlplane.governance.attested import attested_results
    from controlplane.governance.clock import now

    store.flush()
    register = store.store if not isinstance(store, EvidenceStore) else store
    moment = now()
    recorded = [a for a in plan.attested if a.planned.control.kind is ControlKind.recorded]
    attested = [a for a in plan.attested if a.planned.control.kind is not ControlKind.recorded]
    results = attested_results(register, run_id, attested, moment)
    if recorded:
        from controlplane.reversibility.control import recorded_results

        results += recorded_results(register, run_id, recorded, moment)
    for result in results:
        store.add(result)
        scheduler.stats.counts[result.status] += 1
        if on_result is not None:
            on_result(result)
        if observer is not None:
            moment = time.monotonic()
            observer.checked([result], moment, moment, executed=False)
    store.flush()


def summarize(results: Iterable[dict[str, object]]) -> dict[str, dict[int, dict[str, int]]]:
    """tenant → HDS activity → status → count. A result counts for each activity it evidences."""
    table: dict[str, dict[int, dict[str, int]]] = {}
    for r in results:
        per_tenant = table.setdefault(str(r["tenant"]), {})
        for act in r["hds_activities"]:  # type: ignore[attr-defined]
            cell = per_tenant.setdefault(int(act), {str(s): 0 for s in Status})
            cell[str(r["status"])] += 1
    return table
