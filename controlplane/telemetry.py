"""OpenTelemetry traces and metrics of a run, opt-in through the standard ``OTEL_*`` variables.

Why an observer fed by the coordinator: workers only time their steps; every span and metric is
recorded afterwards by the scheduler's single coordinator thread, with explicit timestamps. So
telemetry needs no lock and no context hand-over between threads, a hung plugin never holds a span
open, and when telemetry is off the scheduler holds ``None``: no span, no attribute dict, and
``opentelemetry`` is not even imported.

Span tree: ``hds.run`` → ``hds.tenant`` → ``hds.collect`` (one per target) and ``hds.check`` (one
per control evaluated on a target). Attributes carry ids, names and statuses only: never a
message from a plugin (even redacted: an endpoint's answer quoted in it is hostile text), never a
host, URL or credential. An error span has the ERROR status without a description and an
``error.type`` attribute from a fixed vocabulary (``timeout``, ``memory_limit``,
``collection_failed``, ``check_failed``); the message itself is in the store.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from controlplane import __version__
from controlplane.results import GRAVITY, CheckResult, RunStatus, Status

if TYPE_CHECKING:
    from controlplane.planning import Plan, WorkUnit

SCOPE = "hds-controlplane"
DEFAULT_SERVICE_NAME = "hdsctl"
_EVALUATED = (Status.passed, Status.failed, Status.error)
_ERROR_TYPES = (
    ("collection timed out", "timeout"),
    ("check timed out", "timeout"),
    ("memory limit exceeded", "memory_limit"),
    ("collection failed", "collection_failed"),
)


def error_type(message: str) -> str:
    """The class of an error result, from the core's own fixed wording (never the message)."""
    return next((kind for prefix, kind in _ERROR_TYPES if message.startswith(prefix)), "check_failed")


def _stderr_warning(text: str) -> None:
    sys.stderr.write(f"hdsctl: warning: {text}\n")


def _signal_wanted(env: Mapping[str, str], signal: str, warn: Callable[[str], None]) -> bool:
    """OTLP export of one signal (traces/metrics) is on when an endpoint is set for it and its
    exporter variable is unset or ``otlp``, as the OpenTelemetry specification defines them."""
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    if not endpoint:
        return False
    exporter = env.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp").strip().lower() or "otlp"
    if exporter == "none":
        return False
    if exporter != "otlp":
        warn(f"OTEL_{signal.upper()}_EXPORTER={exporter} is not supported (only otlp or none): no {signal} exported")
        return False
    return True


def from_environment(
    environ: Mapping[str, str] | None = None, warn: Callable[[str], None] = _stderr_warning
) -> Telemetry | None:
    """Telemetry configured from ``OTEL_*`` variables, or None (the no-cost default).

    OTLP over HTTP/protobuf when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or a per-signal endpoint) is
    set; the exporters read the other standard variables themselves (headers, timeout,
    certificates), and the resource reads ``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES``.
    A misconfiguration warns and turns telemetry off: it never stops a compliance run.
    """
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    traces = _signal_wanted(env, "traces", warn)
    metrics = _signal_wanted(env, "metrics", warn)
    if not (traces or metrics):
        return None
    protocol = env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf").strip().lower()
    if protocol != "http/protobuf":
        warn(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported (only http/protobuf): telemetry is off")
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        warn(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed "
            "(pip install 'hds-controlplane[otlp]'): telemetry is off"
        )
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.version": __version__})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    tracer_provider = meter_provider = None
    if traces:
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if metrics:
        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    return Telemetry(tracer_provider, meter_provider, warn=warn)


class Telemetry:
    """A tracer and the run's instruments, from the providers given (SDK or test ones).

    The providers are used directly, never installed as the global ones, so embedding the
    control plane in another instrumented program changes nothing there.
    """

    def __init__(
        self, tracer_provider: Any = None, meter_provider: Any = None, warn: Callable[[str], None] = _stderr_warning
    ) -> None:
        self._providers = [p for p in (tracer_provider, meter_provider) if p is not None]
        self._warn = warn
        self.tracer = tracer_provider.get_tracer(SCOPE, __version__) if tracer_provider is not None else None
        self.metrics = _Instruments(meter_provider.get_meter(SCOPE, __version__)) if meter_provider else None

    def observe_run(self, run_id: str, plan: Plan, filters: Mapping[str, object]) -> RunObserver:
        return RunObserver(self, run_id, plan, filters)

    def shutdown(self) -> None:
        """Flush and stop the providers: a short-lived CronJob pod must export before it exits.
        An unreachable collector costs a warning, never the run's exit code."""
        for provider in self._providers:
            try:
                provider.shutdown()
            except Exception as exc:
                self._warn(f"telemetry export failed at shutdown: {type(exc).__name__}")


class _Instruments:
    """Metric names follow OpenTelemetry conventions (dot-separated, unit apart)."""

    def __init__(self, meter: Any) -> None:
        self.checks = meter.create_counter(
            "hds.checks",
            unit="{result}",
            description="Check results by tenant, status and HDS activity (a result counts once per activity "
            "it evidences).",
        )
        self.check_duration = meter.create_histogram(
            "hds.check.duration", unit="s", description="Duration of one check evaluation on one target."
        )
        self.collection_duration = meter.create_histogram(
            "hds.collection.duration", unit="s", description="Duration of one target collection, retries included."
        )
        self.last_success = meter.create_gauge(
            "hds.run.last_success",
            unit="s",
            description="Unix time at which the last completed run covering the tenant finished.",
        )
        self.compliance = meter.create_gauge(
            "hds.compliance.ratio",
            unit="1",
            description="Passed / (passed + failed + errored) results of the last completed run, per tenant and "
            "HDS activity; not_applicable is left out, an error is not proof of compliance.",
        )


def _worst(results: Sequence[CheckResult]) -> Status:
    return max((r.status for r in results), key=GRAVITY.__getitem__)


class RunObserver:
    """Spans and metrics of one run. Called only from the scheduler's coordinator thread."""

    def __init__(self, telemetry: Telemetry, run_id: str, plan: Plan, filters: Mapping[str, object]) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import Status as SpanStatus
        from opentelemetry.trace import StatusCode

        self._error_status = SpanStatus(StatusCode.ERROR)
        self._tracer = telemetry.tracer
        self._metrics = telemetry.metrics
        self._offset_ns = time.time_ns() - time.monotonic_ns()
        self._tenants = plan.tenants
        self._remaining = Counter(unit.tenant.id for unit in plan.units)
        self._counts: Counter[Status] = Counter()
        self._tally: dict[tuple[str, int], list[int]] = {}  # (tenant, activity) -> [passed, evaluated]
        self._run_span: Any = None
        self._tenant_spans: dict[str, Any] = {}
        self._tenant_ctx: dict[str, Any] = {}
        if self._tracer is None:
            return
        attrs: dict[str, Any] = {
            "hds.run_id": run_id,
            "hds.tenants": len(plan.tenants),
            "hds.planned": plan.result_count,
        }
        if filters.get("shard"):
            attrs["hds.shard"] = str(filters["shard"])
        self._run_span = self._tracer.start_span("hds.run", attributes=attrs)
        run_ctx = trace.set_span_in_context(self._run_span)
        activities = {t.tenant.id: t.tenant.activities for t in (*plan.units, *plan.unrunnable)}
        for tenant in plan.tenants:
            tattrs: dict[str, Any] = {"hds.tenant": tenant}
            if tenant in activities:
                tattrs["hds.activities"] = list(activities[tenant])
            span = self._tracer.start_span("hds.tenant", context=run_ctx, attributes=tattrs)
            self._tenant_spans[tenant] = span
            self._tenant_ctx[tenant] = trace.set_span_in_context(span)

    def _ns(self, monotonic_s: float) -> int:
        return int(monotonic_s * 1e9) + self._offset_ns

    def collected(self, unit: WorkUnit, started: float, ended: float, outcome: str, reason: str, attempts: int) -> None:
        """One target collected (outcome ``ok``), failed (``error``) or overran (``timeout``)."""
        tenant = unit.tenant.id
        if self._metrics is not None:
            self._metrics.collection_duration.record(
                max(0.0, ended - started),
                {"hds.tenant": tenant, "hds.target_kind": unit.kind.name, "hds.outcome": outcome},
            )
        if self._tracer is None:
            return
        span = self._tracer.start_span(
            "hds.collect",
            context=self._tenant_ctx.get(tenant),
            start_time=self._ns(started),
            attributes={
                "hds.tenant": tenant,
                "hds.target_kind": unit.kind.name,
                "hds.target": unit.target_name,
                "hds.plugin": unit.kind.plugin,
                "hds.outcome": outcome,
                "hds.attempts": attempts,
            },
        )
        if outcome != "ok":
            span.set_status(self._error_status)
        span.end(end_time=self._ns(ended))

    def checked(self, results: Sequence[CheckResult], started: float, ended: float, executed: bool = True) -> None:
        """The findings of one control on one target (or the one result of an unrunnable control)."""
        if not results:
            return
        first = results[0]
        for r in results:
            self._counts[r.status] += 1
            for act in r.hds_activities:
                if self._metrics is not None:
                    self._metrics.checks.add(
                        1, {"hds.tenant": r.tenant, "hds.status": str(r.status), "hds.activity": act}
                    )
                if r.status in _EVALUATED:
                    cell = self._tally.setdefault((r.tenant, act), [0, 0])
                    cell[0] += r.status is Status.passed
                    cell[1] += 1
        if self._metrics is not None and executed:
            self._metrics.check_duration.record(max(0.0, ended - started), {"hds.check": first.check})
        if self._tracer is None:
            return
        status = _worst(results)
        span = self._tracer.start_span(
            "hds.check",
            context=self._tenant_ctx.get(first.tenant),
            start_time=self._ns(started),
            attributes={
                "hds.tenant": first.tenant,
                "hds.control": first.control,
                "hds.check": first.check,
                "hds.target_kind": first.target_kind,
                "hds.target": first.target,
                "hds.plugin": first.plugin,
                "hds.status": str(status),
                "hds.activities": list(first.hds_activities),
                "hds.findings": len(results),
            },
        )
        if status is Status.error:
            span.set_attribute("error.type", error_type(next(r.message for r in results if r.status is Status.error)))
            span.set_status(self._error_status)
        span.end(end_time=self._ns(ended))

    def unit_done(self, unit: WorkUnit) -> None:
        """Ends the tenant's span once its last target is done."""
        tenant = unit.tenant.id
        self._remaining[tenant] -= 1
        if self._remaining[tenant] == 0:
            span = self._tenant_spans.pop(tenant, None)
            if span is not None:
                span.end()

    def finish(self, status: RunStatus) -> None:
        """Close the run: a completed run sets the per-tenant gauges; any other leaves them as they were."""
        if self._metrics is not None and status == RunStatus.completed:
            now = time.time()
            for tenant in self._tenants:
                self._metrics.last_success.set(now, {"hds.tenant": tenant})
            for (tenant, act), (passed, evaluated) in sorted(self._tally.items()):
                self._metrics.compliance.set(passed / evaluated, {"hds.tenant": tenant, "hds.activity": act})
        if self._run_span is None:
            return
        for span in self._tenant_spans.values():
            span.end()
        self._tenant_spans.clear()
        self._run_span.set_attribute("hds.run.status", str(status))
        for st in Status:
            self._run_span.set_attribute(f"hds.results.{st}", self._counts[st])
        if status != RunStatus.completed:
            self._run_span.set_status(self._error_status)
        self._run_span.end()


__all__ = ["RunObserver", "Telemetry", "from_environment"]
