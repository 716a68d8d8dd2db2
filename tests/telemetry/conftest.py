"""One real run, observed: local TLS servers, the probe plugin (failing, hanging, leaking a
secret into an exception), in-memory span exporter and metric reader."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import yaml
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from controlplane.telemetry import Telemetry
from hds_tls.demo.local_server import LocalCA, LocalTlsServer
from tests.support.governance import attest_all
from tests.telemetry import probe_plugin
from tests.telemetry.observed import SECRET, ObservedRun, tls_entry


@pytest.fixture(scope="module")
def observed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObservedRun]:
    work = tmp_path_factory.mktemp("telemetry-run")
    ca = LocalCA(work / "ca")
    good = LocalTlsServer(ca.issue("good", ["good.test"])).start()
    bad = LocalTlsServer(ca.issue("bad", ["other.test"], days_valid=5)).start()
    fleet = {
        "version": 1,
        "runtime": {"workers": 4, "collect_timeout_s": 1.0, "check_timeout_s": 0.5, "retries": 1, "retry_backoff_s": 0},
        "tenants": [
            {
                "id": "t-alpha",
                "name": "Alpha",
                "activities": [3, 4, 5, 6],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {
                    "tls": [tls_entry(good, ca, "good.test")],
                    "probe": [{"name": "p1", "verdicts": {"r1": "pass", "r2": "fail"}}],
                },
            },
            {
                "id": "t-beta",
                "name": "Beta",
                "activities": [4, 5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {
                    "tls": [tls_entry(bad, ca, "bad.test")],
                    "probe": [
                        {"name": "p-hang", "collect": "hang"},
                        {"name": "p-raise", "collect": "raise", "token": {"env": probe_plugin.TOKEN_ENV}},
                        {"name": "p-transient", "collect": "transient"},
                    ],
                },
            },
            {
                "id": "t-gamma",
                "name": "Gamma",
                "activities": [5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"probe": [{"name": "p4", "hang_check": True, "verdicts": {"r1": "pass"}}]},
            },
        ],
    }
    config = work / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    probe_plugin.release = threading.Event()
    mp = pytest.MonkeyPatch()
    mp.setenv(probe_plugin.TOKEN_ENV, SECRET)
    registry = build_registry(extra_plugins=[("probe", probe_plugin)])
    prepared = prepare(config, registry=registry)
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    attest_all(config, work / "evidence.sqlite", registry=registry)  # attested controls vouched for
    store = EvidenceStore.open(str(work / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store, telemetry=Telemetry(tracer_provider, meter_provider))
        results = list(store.results(outcome.run_id))
        yield ObservedRun(
            outcome,
            list(exporter.get_finished_spans()),
            reader.get_metrics_data(),
            results,
            {(u.tenant.id, u.target_name) for u in prepared.plan.units},
        )
    finally:
        probe_plugin.release.set()
        store.close()
        good.stop()
        bad.stop()
        mp.undo()
