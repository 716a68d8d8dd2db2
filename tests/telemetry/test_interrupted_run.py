"""A run stopped midway (Ctrl-C) closes its spans as an error and leaves the per-tenant gauges
alone: only a completed run may claim a last success or a compliance ratio."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from controlplane.telemetry import Telemetry
from tests.telemetry import probe_plugin
from tests.telemetry.observed import data_points


def test_an_interrupted_run_ends_its_spans_in_error_and_sets_no_gauge(tmp_path: Path):
    fleet = {
        "version": 1,
        "tenants": [
            {
                "id": f"t-{n}",
                "name": f"T{n}",
                "activities": [6],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"probe": [{"name": "p", "verdicts": {"r1": "pass"}}]},
            }
            for n in range(4)
        ],
    }
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    registry = build_registry(load_entrypoints=False, extra_plugins=[("probe", probe_plugin)])
    prepared = prepare(config, control_ids=["PRB-01"], registry=registry)
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen = []

    def interrupt_after_two(result) -> None:
        seen.append(result)
        if len(seen) == 2:
            raise KeyboardInterrupt

    store = EvidenceStore.open(str(tmp_path / "e.sqlite"))
    try:
        with pytest.raises(KeyboardInterrupt):
            execute(
                prepared,
                store,
                on_result=interrupt_after_two,
                telemetry=Telemetry(tracer_provider, MeterProvider(metric_readers=[reader])),
            )
        (run,) = store.list_runs()
    finally:
        store.close()
    assert run.status == "interrupted"
    spans = exporter.get_finished_spans()
    (run_span,) = [s for s in spans if s.name == "hds.run"]
    assert run_span.attributes["hds.run.status"] == "interrupted"
    assert run_span.status.status_code is StatusCode.ERROR
    assert len([s for s in spans if s.name == "hds.tenant"]) == 4, "every tenant span is ended"
    metrics = reader.get_metrics_data()
    assert data_points(metrics, "hds.run.last_success") == []
    assert data_points(metrics, "hds.compliance.ratio") == []
    assert sum(p.value for p in data_points(metrics, "hds.checks")) >= 1
