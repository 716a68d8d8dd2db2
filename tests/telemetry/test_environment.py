"""Telemetry from the standard OTEL_* variables: off (and not even imported) by default, OTLP
over HTTP to a local receiver when an endpoint is set, never able to fail a run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from controlplane.telemetry import from_environment
from hds_tls.demo.local_server import LocalCA, LocalTlsServer
from tests.support.governance import attest_all

HDSCTL = str(Path(sys.executable).with_name("hdsctl"))


class OtlpReceiver:
    """A local OTLP/HTTP endpoint that keeps every request body by path."""

    def __init__(self) -> None:
        received: list[tuple[str, bytes]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, path: str) -> list[bytes]:
        return [body for p, body in self.received if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("otel-fleet")
    ca = LocalCA(work / "ca")
    server = LocalTlsServer(ca.issue("portail", ["portail.test"])).start()
    fleet = {
        "version": 1,
        "tenants": [
            {
                "id": "clinique-otel",
                "name": "Clinique OTel",
                "activities": [4, 5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {
                    "tls": [
                        {
                            "name": "portail",
                            "host": "127.0.0.1",
                            "port": server.port,
                            "server_name": "portail.test",
                            "ca_bundle": str(ca.ca_path),
                        }
                    ]
                },
            }
        ],
    }
    path = work / "hds.yaml"
    path.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    yield path
    server.stop()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_") and not k.startswith("HDS_")}
    env.update(extra)
    return env


def hdsctl_run(fleet_file: Path, store: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    attest_all(fleet_file, store)  # the tenant's attested controls vouched for: the run passes
    return subprocess.run(
        [HDSCTL, "run", "-c", str(fleet_file), "--store", str(store), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def attrs(kvs) -> dict[str, object]:
    out: dict[str, object] = {}
    for kv in kvs:
        field = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, field)
    return out


def test_no_endpoint_means_no_telemetry():
    assert from_environment({}) is None
    assert from_environment({"OTEL_SERVICE_NAME": "hdsctl"}) is None


def test_sdk_disabled_wins_over_an_endpoint():
    assert from_environment({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}) is None


def test_an_unsupported_protocol_warns_and_turns_telemetry_off():
    warnings: list[str] = []
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    assert from_environment(env, warn=warnings.append) is None
    assert len(warnings) == 1 and "grpc" in warnings[0]


def test_traces_exporter_none_keeps_metrics_only(receiver: OtlpReceiver):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_TRACES_EXPORTER": "none"}
    telemetry = from_environment(env)
    assert telemetry is not None
    assert telemetry.tracer is None and telemetry.metrics is not None
    telemetry.shutdown()


def test_a_run_without_otel_variables_never_imports_opentelemetry(fleet_file: Path, tmp_path: Path):
    report = tmp_path / "modules.json"
    script = (
        "import json, sys\n"
        "from controlplane.cli.main import cli\n"
        "try:\n"
        f"    cli(['run', '-c', {str(fleet_file)!r}, '--store', {str(tmp_path / 'e.sqlite')!r}])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"open({str(report)!r}, 'w').write(json.dumps({{'code': code, "
        "'otel': sorted(m for m in sys.modules if m.startswith('opentelemetry'))}))\n"
    )
    attest_all(fleet_file, tmp_path / "e.sqlite")
    proc = subprocess.run([sys.executable, "-c", script], env=clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(report.read_text())
    assert seen == {"code": 0, "otel": []}


def test_otlp_endpoint_exports_the_run_trace_and_metrics(fleet_file: Path, tmp_path: Path, receiver: OtlpReceiver):
    proc = hdsctl_run(fleet_file, tmp_path / "e.sqlite", clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url))
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    spans = []
    resources = []
    for body in receiver.bodies("/v1/traces"):
        for rs in ExportTraceServiceRequest.FromString(body).resource_spans:
            resources.append(attrs(rs.resource.attributes))
            for ss in rs.scope_spans:
                spans.extend(ss.spans)
    names = [s.name for s in spans]
    assert names.count("hds.run") == 1 and names.count("hds.tenant") == 1 and names.count("hds.collect") == 1
    on_target = [s for s in spans if s.name == "hds.check" and attrs(s.attributes)["hds.target"] == "portail"]
    assert sorted(attrs(s.attributes)["hds.control"] for s in on_target) == [f"TLS-0{n}" for n in range(1, 6)]
    run_span = next(s for s in spans if s.name == "hds.run")
    assert attrs(run_span.attributes)["hds.run_id"] == run_id
    tenant_span = next(s for s in spans if s.name == "hds.tenant")
    assert tenant_span.parent_span_id == run_span.span_id
    assert all(s.parent_span_id == tenant_span.span_id for s in spans if s.name in ("hds.check", "hds.collect"))
    assert resources and all(r["service.name"] == "hdsctl" for r in resources)
    metric_names = {
        m.name
        for body in receiver.bodies("/v1/metrics")
        for rm in ExportMetricsServiceRequest.FromString(body).resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    }
    assert metric_names >= {
        "hds.checks",
        "hds.check.duration",
        "hds.collection.duration",
        "hds.run.last_success",
        "hds.compliance.ratio",
    }


def test_an_unreachable_collector_never_changes_the_run_outcome(fleet_file: Path, tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}", OTEL_EXPORTER_OTLP_TIMEOUT="1")
    proc = hdsctl_run(fleet_file, tmp_path / "e.sqlite", env)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert (
        document["status"] == "completed" and document["counts"]["pass"] == 5 + 15
    )  # TLS + attested (TRC-04 included)
