"""Run a plan: collect each work unit once, evaluate its controls, stream results to a sink.

Why this shape: Python threads cannot be killed, so a hung collector or check is *abandoned*
rather than stopped. Workers are daemon threads; each publishes the step it is running and
that step's deadline. The coordinator (the calling thread) receives results, writes them to
the sink (a single writer), and when a step overruns it records an ERROR, disowns that worker
(anything it later produces is dropped) and starts a replacement, so the run always finishes
within its timeouts. Per check the overhead is a queue hand-off, not a thread.
"""

from __future__ import annotations

import gc
import itertools
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from controlplane import endpoint_limits
from controlplane.config import RuntimeSettings, Tenant
from controlplane.dispatch import EndpointDispatch, endpoint_of
from controlplane.errors import TransientError
from controlplane.planning import Plan, PlannedControl, Unrunnable, WorkUnit
from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.plugins import PluginRegistry
from controlplane.results import SHARED_PLATFORM_KEY, CheckResult, Finding, Status
from controlplane.secrets import redact, redact_data
from controlplane.store.chain import canonical_json

if TYPE_CHECKING:
    from controlplane.telemetry import RunObserver


FLUSH_INTERVAL_S = 0.2
"""While workers are busy, results reach the store at least this often."""
EXPIRY_SWEEP_S = 0.02
"""How often, while events keep coming, the coordinator looks for overrun steps."""


class ResultSink(Protocol):
    def add(self, result: CheckResult) -> None: ...
    def flush(self) -> None: ...


@dataclass
class RunStats:
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def all_passed(self) -> bool:
        return self.counts[Status.failed] == 0 and self.counts[Status.error] == 0


@dataclass(slots=True)
class _Task:
    unit: WorkUnit
    snapshot: Any = None
    collected: bool = False
    next_index: int = 0
    collect_started: float = 0.0
    attempts: int = 0
    view: TenantView | None = None
    """The tenant as checks see it, built once per task rather than once per check."""


@dataclass(slots=True)
class _Step:
    task: _Task
    what: str  # "collect" or "check"
    index: int
    started: float
    started_at: str
    deadline: float | None
    overrun: str | None = None
    """Why the step is cut short before its deadline (the memory guard sets it); None: timeout."""


class _Worker:
    __slots__ = ("abandoned", "lock", "step", "thread_id")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.step: _Step | None = None
        self.abandoned = False
        self.thread_id: int | None = None


_second: tuple[int, str] = (-1, "")


def _now_iso() -> str:
    """`datetime.now(UTC).isoformat(timespec="milliseconds")`, at a fraction of the cost: the
    formatted date and time of the current second is kept, only the milliseconds change."""
    global _second
    now = time.time()
    whole = int(now)
    cached, text = _second
    if whole != cached:
        text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (whole, text)
    return f"{text}.{int((now - whole) * 1000):03d}+00:00"


def _validate(findings: Any) -> tuple[list[Finding], str | None]:
    """Refuse anything but well-formed findings; a PASS must show what was observed."""
    if findings is None:
        return [], "check returned None instead of findings"
    if isinstance(findings, (str, bytes, dict, Finding)):
        return [], f"check returned a {type(findings).__name__}, not an iterable of findings"
    try:
        items = list(findings)
    except TypeError:
        return [], f"check returned a {type(findings).__name__}, not an iterable of findings"
    if not items:
        return [], "check returned no finding"
    for item in items:
        if not isinstance(item, Finding):
            return [], f"malformed result: expected a Finding, got {type(item).__name__}"
        if not isinstance(item.status, Status):
            return [], f"malformed result: invalid status {item.status!r}"
        if not isinstance(item.message, str) or not isinstance(item.resource, str):
            return [], "malformed result: message and resource must be strings"
        if not isinstance(item.evidence, dict):
            return [], "malformed result: evidence must be a mapping"
        if item.status is Status.passed and not item.evidence:
            return [], "check returned pass without observed evidence"
        try:
            canonical_json(item.evidence)  # as the store will encode it: sorted keys, no NaN
        except (TypeError, ValueError) as exc:
            return [], f"malformed result: evidence is not JSON-serialisable ({exc})"
    return items, None


class Scheduler:
    def __init__(
        self,
        registry: PluginRegistry,
        runtime: RuntimeSettings,
        sink: ResultSink,
        on_result: Callable[[CheckResult], None] | None = None,
        observer: RunObserver | None = None,
    ) -> None:
        self.registry = registry
        self.observer = observer  # telemetry; None (the default) costs nothing
        self.runtime = runtime
        self.sink = sink
        self.on_result = on_result
        self._events: queue.SimpleQueue[tuple[_Worker, str, Any]] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self.stats = RunStats()
        # Requests in flight per endpoint (runtime settings), shared by the plugins' clients.
        limiter = endpoint_limits.configure(
            runtime.endpoint_initial_in_flight, runtime.endpoint_max_in_flight, runtime.global_max_in_flight
        )
        # Work waits in one queue per endpoint: a throttling endpoint's collections cannot take
        # the workers the other endpoints' tenants need (see controlplane.dispatch).
        self._tasks: EndpointDispatch[_Task] = EndpointDispatch(limiter.cap)

    def _queue(self, task: _Task) -> None:
        if task.collected:  # the rest of a unit's checks: no request left to make
            self._tasks.put(task, None, counted=False)
        else:
            self._tasks.put(task, endpoint_of(task.unit.kind, task.unit.target))

    # -- results --------------------------------------------------------------------------
    def _result(
        self,
        run_id: str,
        unit: WorkUnit | None,
        planned: PlannedControl,
        tenant_id: str,
        finding: Finding,
        started_at: str,
        duration_s: float,
    ) -> CheckResult:
        check = planned.check
        plugin = check.plugin if check else ""
        evidence = redact_data(finding.evidence)
        if unit is not None and unit.platform:
            evidence = {**evidence, SHARED_PLATFORM_KEY: unit.platform}  # so a report can name the group
        return CheckResult(
            run_id=run_id,
            tenant=tenant_id,
            control=planned.control.id,
            check=planned.control.check or "",
            target_kind=unit.kind.name if unit else (check.target_kind if check else ""),
            target=unit.target_name if unit else "",
            resource=redact(finding.resource),
            status=finding.status,
            message=redact(finding.message),
            evidence=evidence,
            hds_activities=planned.activities,
            iso27001=planned.control.iso27001,
            started_at=started_at,
            duration_ms=duration_s * 1000.0,
            plugin=plugin,
            plugin_version=self.registry.version_of(plugin) if plugin else "",
        )

    def _emit(self, result: CheckResult) -> None:
        self.sink.add(result)
        self.stats.counts[result.status] += 1
        if self.on_result is not None:
            self.on_result(result)

    # -- workers --------------------------------------------------------------------------
    def _collect(self, worker: _Worker, task: _Task) -> tuple[bool, Any]:
        unit = task.unit
        ctx = CollectContext(
            unit.tenant.view(),
            unit.target_name,
            self.runtime.collect_timeout_s,
            int(self.runtime.max_response_mb * 1024 * 1024),
        )
        attempts = self.runtime.retries + 1
        for attempt in range(attempts):
            with worker.lock:
                if worker.abandoned:
                    return False, None
                start = time.monotonic()
                worker.step = _Step(task, "collect", -1, start, _now_iso(), start + self.runtime.collect_timeout_s)
                task.attempts = attempt + 1
                if attempt == 0:
                    task.collect_started = start
            try:
                return True, unit.kind.collect(unit.target, ctx)
            except TransientError as exc:
                if attempt + 1 == attempts:
                    tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
                    return True, _Failure(f"collection failed after {tries}: {exc}")
                delay = self.runtime.retry_backoff_s * (2**attempt) * random.uniform(0.5, 1.5)
                with worker.lock:
                    worker.step = _Step(task, "collect", -1, time.monotonic(), _now_iso(), None)
                time.sleep(delay)
            except Exception as exc:
                return True, _Failure(f"collection failed: {type(exc).__name__}: {exc}")
        raise AssertionError("unreachable")

    def _work(self, run_id: str, worker: _Worker) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            unit = task.unit
            if not task.collected:
                ok, snapshot = self._collect(worker, task)
                self._tasks.release(task)
                if not ok:
                    return
                task.snapshot, task.collected = snapshot, True
                if self.observer is not None:
                    with worker.lock:
                        if worker.abandoned:
                            return
                        worker.step = None  # collected in time: no longer subject to the collect deadline
                        self._events.put((worker, "collected", (task, time.monotonic())))
            for i in range(task.next_index, len(unit.controls)):
                planned = unit.controls[i]
                with worker.lock:
                    if worker.abandoned:
                        return
                    start = time.monotonic()
                    step = _Step(task, "check", i, start, _now_iso(), start + self.runtime.check_timeout_s)
                    worker.step = step
                tenant = unit.tenant_of(i)
                findings = self._evaluate(task, planned, tenant)
                duration = time.monotonic() - start
                results = [
                    self._result(run_id, unit, planned, tenant.id, f, step.started_at, duration) for f in findings
                ]
                with worker.lock:
                    if worker.abandoned:
                        return
                    worker.step = None
                    self._events.put((worker, "results", (results, start, start + duration)))
            with worker.lock:
                if worker.abandoned:
                    return
                self._events.put((worker, "unit_done", unit))

    def _evaluate(self, task: _Task, planned: PlannedControl, tenant: Tenant) -> list[Finding]:
        if isinstance(task.snapshot, _Failure):
            return [Finding(Status.error, task.snapshot.reason)]
        unit = task.unit
        assert planned.check is not None
        if task.view is None or task.view.id != tenant.id:  # a shared target's checks run for each served tenant
            task.view = tenant.view()
        ctx = CheckContext(task.view, unit.target, unit.target_name, planned.control.id, planned.params)
        try:
            findings, problem = _validate(planned.check.func(task.snapshot, ctx))
        except Exception as exc:
            return [Finding(Status.error, f"check raised {type(exc).__name__}: {exc}")]
        if problem is not None:
            return [Finding(Status.error, problem)]
        return findings

    def _start_worker(self, run_id: str) -> None:
        worker = _Worker()
        self._workers.append(worker)
        thread = threading.Thread(target=self._work, args=(run_id, worker), daemon=True, name="hds-worker")
        thread.start()
        worker.thread_id = thread.ident

    # -- memory guard (runtime.max_rss_mb; see controlplane.memory_guard) -------------------
    def _running_steps(self) -> list[tuple[_Worker, _Step, int | None]]:
        return [(w, step, w.thread_id) for w in list(self._workers) if (step := w.step) is not None and not w.abandoned]

    def _blame(self, worker: _Worker, step: _Step, reason: str) -> None:
        """Make the step overrun now; the coordinator abandons it as it would a timeout."""
        with worker.lock:
            if worker.step is not step or worker.abandoned:
                return
            step.overrun, step.deadline = reason, 0.0
        self._events.put((worker, "wake", None))

    # -- coordinator ----------------------------------------------------------------------
    def _expire(self, run_id: str, now: float) -> int:
        """Abandon workers whose step overran; return how many units that finished."""
        finished = 0
        for worker in list(self._workers):
            with worker.lock:
                step = worker.step
                if step is None or step.deadline is None or now < step.deadline or worker.abandoned:
                    continue
                worker.abandoned = True
                if step.overrun is not None and worker.thread_id is not None:
                    from controlplane.memory_guard import raise_in_thread

                    raise_in_thread(worker.thread_id)  # stop it allocating; its output is dropped
            self._workers.remove(worker)
            task, unit = step.task, step.task.unit
            if step.what == "collect":
                self._tasks.release(task)
                reason = step.overrun or f"collection timed out after {self.runtime.collect_timeout_s:g}s"
                if self.observer is not None:
                    self.observer.collected(unit, task.collect_started, now, "timeout", reason, task.attempts)
                for i in range(len(unit.controls)):
                    result = self._store_timeout(run_id, step, i, reason, now)
                    if self.observer is not None:
                        self.observer.checked([result], now, now, executed=False)
                finished += 1
                if self.observer is not None:
                    self.observer.unit_done(unit)
            else:
                reason = step.overrun or f"check timed out after {self.runtime.check_timeout_s:g}s"
                result = self._store_timeout(run_id, step, step.index, reason, now)
                if self.observer is not None:
                    self.observer.checked([result], step.started, now)
                if step.index + 1 < len(unit.controls):
                    self._queue(_Task(unit, task.snapshot, True, step.index + 1))
                else:
                    finished += 1
                    if self.observer is not None:
                        self.observer.unit_done(unit)
            self._start_worker(run_id)
        return finished

    def _store_timeout(self, run_id: str, step: _Step, index: int, reason: str, now: float) -> CheckResult:
        """An overrun step's ERROR result for `unit.controls[index]`, stored; the abandoned thread's output never is."""
        unit = step.task.unit
        finding = Finding(Status.error, reason)
        tenant_id, duration = unit.tenant_of(index).id, now - step.started
        result = self._result(run_id, unit, unit.controls[index], tenant_id, finding, step.started_at, duration)
        self._emit(result)
        return result

    def _observe_collection(self, task: _Task, ended: float) -> None:
        assert self.observer is not None
        failure = task.snapshot if isinstance(task.snapshot, _Failure) else None
        outcome, reason = ("error", failure.reason) if failure else ("ok", "")
        self.observer.collected(task.unit, task.collect_started, ended, outcome, reason, task.attempts)

    def _emit_unrunnable(self, run_id: str, items: Iterator[Unrunnable], limit: int | None = None) -> bool:
        """Store up to `limit` (default: all) of the controls that cannot run; False when none was left."""
        emitted = False
        for item in itertools.islice(items, limit):
            emitted = True
            status = Status.error if item.is_error else Status.not_applicable
            result = self._result(
                run_id, None, item.planned, item.tenant.id, Finding(status, item.reason), _now_iso(), 0.0
            )
            self._emit(result)
            if self.observer is not None:
                now = time.monotonic()
                self.observer.checked([result], now, now, executed=False)
        return emitted

    def run(self, run_id: str, plan: Plan) -> RunStats:
        pending = len(plan.units)
        for unit in plan.units:
            self._queue(_Task(unit))
        for _ in range(min(self.runtime.workers, pending)):
            self._start_worker(run_id)
        # Per event the coordinator only stores: looking for overrun steps (a lock per worker)
        # happens every EXPIRY_SWEEP_S and whenever no event is waiting, and the sink is flushed
        # when idle at most every FLUSH_INTERVAL_S (a batch per flush, not a transaction per event).
        next_sweep = last_flush = time.monotonic()
        # Controls that cannot run are stored while the coordinator waits for the workers: at
        # 10,000 tenants they are a few hundred thousand results, seconds no request should wait for.
        unrunnable = iter(plan.unrunnable)
        # Everything alive now (the fleet, the plan) lives until the run ends: keep it out of the
        # cyclic collector's reach, or each full collection walks the whole fleet again (a third of
        # the run's time at 10,000 tenants).
        gc.freeze()
        guard = None
        if self.runtime.max_rss_mb:
            from controlplane.memory_guard import MemoryGuard

            guard = MemoryGuard(self.runtime.max_rss_mb, self._running_steps, self._blame).start()
        try:
            while pending:
                try:
                    _worker, kind, payload = self._events.get_nowait()
                except queue.Empty:
                    now = time.monotonic()
                    if self._emit_unrunnable(run_id, unrunnable, 256):
                        if now >= next_sweep:
                            pending -= self._expire(run_id, now)
                            next_sweep = now + EXPIRY_SWEEP_S
                        continue
                    if now - last_flush >= FLUSH_INTERVAL_S:
                        self.sink.flush()
                        last_flush = now
                    pending -= self._expire(run_id, now)
                    if not pending:
                        break
                    deadlines = [w.step.deadline for w in self._workers if w.step and w.step.deadline]
                    wait = max(0.0, min(deadlines) - now) + 0.01 if deadlines else 0.5
                    try:
                        _worker, kind, payload = self._events.get(timeout=min(wait, FLUSH_INTERVAL_S))
                    except queue.Empty:
                        continue
                # No drop on `worker.abandoned` here: a worker checks that flag under its lock
                # before it publishes, so anything queued was produced in time.
                if kind == "results":
                    results, started, ended = payload
                    for result in results:
                        self._emit(result)
                    if self.observer is not None:
                        self.observer.checked(results, started, ended)
                elif kind == "collected":
                    self._observe_collection(*payload)
                elif kind == "wake":
                    next_sweep = 0.0  # the memory guard cut a step short: expire it now
                else:
                    pending -= 1
                    if self.observer is not None:
                        self.observer.unit_done(payload)
                now = time.monotonic()
                if now >= next_sweep:
                    pending -= self._expire(run_id, now)
                    next_sweep = now + EXPIRY_SWEEP_S
            self._emit_unrunnable(run_id, unrunnable)
            self.sink.flush()
        finally:
            # Interrupted (an exception, Ctrl-C): no flush here, the caller decides what to keep
            # (the runner drops the last check, which may be half added, then flushes).
            if guard is not None:
                guard.stop()
            for _ in self._workers:
                self._tasks.stop()
            gc.unfreeze()
        return self.stats


@dataclass(frozen=True, slots=True)
class _Failure:
    """A collection that failed: every control on the unit reports it as an error."""

    reason: str


def run_plan(
    registry: PluginRegistry,
    runtime: RuntimeSettings,
    plan: Plan,
    run_id: str,
    sink: ResultSink,
    on_result: Callable[[CheckResult], None] | None = None,
    observer: RunObserver | None = None,
) -> RunStats:
    return Scheduler(registry, runtime, sink, on_result, observer).run(run_id, plan)


__all__ = ["ResultSink", "RunStats", "Scheduler", "run_plan"]
