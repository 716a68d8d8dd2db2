"""Hostile endpoints against the real `hdsctl`: an S3 endpoint and a Kubernetes API server that
drip their answer one byte per second, or send an endless body, on 127.0.0.1. Whatever they
do, the run ends within its deadlines plus a margin (no thread left behind keeps the process
alive), each answer is cut at `runtime.max_response_mb`, the process's peak memory stays far
below the body's size, and the targets' checks report an error naming the endpoint and why.

Bounds are generous on purpose (a busy machine must not fail them); each would fail by far on
the old behaviour: the process never exited after a dripping S3 answer, and a 1 GB body was
read whole (several GB of memory)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from tests.reliability.harness import HDSCTL
from tests.reliability.hostile_server import HostileServer
from tests.reliability.test_unreliable_endpoints import kube_target, kubeconfig, s3_target
from tests.support.fleet import tenant, write_fleet

GIB = 1024 * 1024 * 1024
CONTROLS = ("S3-01", "K8S-01")


LAUNCHER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""
"""Runs hdsctl and records its peak RSS. Why a launcher: a child's ru_maxrss counts the memory it
shares with its parent between fork and exec, so measured from the (large) test process it
would be the test process's size; from this small launcher it is hdsctl's own."""


def run_hdsctl(config: Path, store: Path, env: dict[str, str], timeout: float) -> tuple[int, str, str, int]:
    """(exit code, stdout, stderr, peak RSS in MB) of `hdsctl run`, killed after `timeout` s."""
    args = [HDSCTL, "run", "-c", str(config), "--store", str(store), "--format", "json"]
    args += [a for c in CONTROLS for a in ("--control", c)]
    out, err, peak = store.with_suffix(".out"), store.with_suffix(".err"), store.with_suffix(".rss")
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(peak), *args],
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"hdsctl still running {timeout:g}s after it started: {err.read_text()[-2000:]}")
    return proc.returncode, out.read_text(), err.read_text(), int(peak.read_text()) // 1024


@pytest.fixture
def hostile_env(env: dict[str, str]) -> dict[str, str]:
    return env | {"HDS_FLAKY_KEY": "AKIAHOSTILEENDPOINT1", "HDS_FLAKY_SECRET": "hostile-endpoint-secret-value"}


def fleet(tmp_path: Path, s3_url: str, k8s_url: str, runtime: dict) -> Path:
    s3 = s3_target(s3_url) | {"max_attempts": 1}
    targets = {"s3": [s3], "kubernetes": [kube_target(kubeconfig(tmp_path / "kc.yaml", k8s_url))]}
    return write_fleet(tmp_path / "hds.yaml", [tenant("clinique", [3, 4, 5, 6], targets)], runtime)


def results_by_kind(stdout: str) -> dict[str, dict]:
    doc = json.loads(stdout)
    assert doc["status"] == "completed"
    return {r["target_kind"]: r for r in doc["results"]}


def test_dripping_endpoints_cannot_keep_the_run_alive(tmp_path, hostile_env):
    runtime = {"workers": 4, "collect_timeout_s": 4, "check_timeout_s": 5, "retries": 0}
    with (
        HostileServer("drip", size=100_000, content_type="application/xml") as s3,
        HostileServer("drip", size=100_000) as k8s,
    ):
        config = fleet(tmp_path, s3.url, k8s.url, runtime)
        # 4 s of collection; everything past it is margin for a busy machine.
        code, stdout, stderr, _rss = run_hdsctl(config, tmp_path / "ev.sqlite", hostile_env, timeout=90)
        assert s3.requests >= 1 and k8s.requests >= 1  # both endpoints were reached and dripped
    assert code == 1, stderr
    assert "Traceback" not in stderr
    got = results_by_kind(stdout)
    assert set(got) == {"s3", "kubernetes"}
    for kind, url in (("s3", s3.url), ("kubernetes", k8s.url)):
        r = got[kind]
        assert r["status"] == "error", r
        # Cut by the collector's own deadline (naming the endpoint), or abandoned by the scheduler.
        assert r["message"] == "collection timed out after 4s" or (
            (url in r["message"] or "listing" in r["message"])
            and ("cut off" in r["message"] or "not complete within" in r["message"])
        ), r["message"]


def test_endpoints_dripping_their_headers_cannot_keep_the_run_alive(tmp_path, hostile_env):
    """Headers dripped byte by byte are bounded by the scheduler abandoning the collection at its
    timeout (no client bounds a status line and headers as a whole); the threads left reading
    them are daemons, so the process still ends."""
    runtime = {"workers": 4, "collect_timeout_s": 4, "check_timeout_s": 5, "retries": 0}
    with HostileServer("drip_headers", size=100_000) as s3, HostileServer("drip_headers", size=100_000) as k8s:
        config = fleet(tmp_path, s3.url, k8s.url, runtime)
        code, stdout, stderr, _rss = run_hdsctl(config, tmp_path / "ev.sqlite", hostile_env, timeout=90)
        assert s3.requests >= 1 and k8s.requests >= 1
    assert code == 1, stderr
    got = results_by_kind(stdout)
    for kind in ("s3", "kubernetes"):
        assert got[kind]["status"] == "error", got[kind]
        assert "timed out" in got[kind]["message"] or "not complete within" in got[kind]["message"], got[kind]


def test_dripping_s3_answer_is_cut_at_the_collection_deadline_with_the_endpoint_named(tmp_path, hostile_env):
    """The S3 collector enforces its deadline itself while a body drips (botocore's read timeout
    is per read): the aspects report the endpoint and the cut, not a bare scheduler timeout."""
    runtime = {"workers": 2, "collect_timeout_s": 20, "check_timeout_s": 5, "retries": 0}
    with HostileServer("drip", size=100_000, content_type="application/xml") as s3:
        targets = {"s3": [s3_target(s3.url) | {"max_attempts": 1}]}
        config = write_fleet(tmp_path / "hds.yaml", [tenant("clinique", [3, 4, 5, 6], targets)], runtime)
        code, stdout, stderr, _rss = run_hdsctl(config, tmp_path / "ev.sqlite", hostile_env, timeout=120)
    assert code == 1, stderr
    result = results_by_kind(stdout)["s3"]
    assert result["status"] == "error"
    assert "collection failed after 1 attempt: no answer from " in result["message"], result["message"]
    assert (
        f"the answer from {s3.url}/donnees-patients was cut off: the answer was not complete within"
        in (result["message"])
    )


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_huge_answers_are_cut_at_the_size_limit_and_memory_stays_bounded(tmp_path, hostile_env, chunked):
    runtime = {"workers": 4, "collect_timeout_s": 60, "check_timeout_s": 5, "retries": 0, "max_response_mb": 4}
    with (
        HostileServer("huge", size=GIB, prefix=b"<x>", content_type="application/xml", chunked=chunked) as s3,
        HostileServer("huge", size=GIB, prefix=b'{"kind":"NamespaceList","items":[],"x":"', chunked=chunked) as k8s,
    ):
        config = fleet(tmp_path, s3.url, k8s.url, runtime)
        code, stdout, stderr, peak_mb = run_hdsctl(config, tmp_path / "ev.sqlite", hostile_env, timeout=180)
        sent = (s3.sent, k8s.sent)
    assert code == 1, stderr
    got = results_by_kind(stdout)
    assert got["s3"]["status"] == "error"
    assert (
        f"the answer from {s3.url}/donnees-patients was refused: the answer is larger than 4 MB"
        in (got["s3"]["message"])
    ), got["s3"]["message"]
    assert "(runtime.max_response_mb)" in got["s3"]["message"]
    assert got["kubernetes"]["status"] == "error"
    assert (
        "listing namespaces: the answer is larger than 4 MB (runtime.max_response_mb)" in (got["kubernetes"]["message"])
    ), got["kubernetes"]["message"]
    # A 1 GB body read whole costs several GB; hdsctl with both SDKs loaded is ~150 MB.
    assert peak_mb < 500, f"peak RSS {peak_mb} MB"
    assert max(sent) < 256 * 1024 * 1024  # the client hung up long before the end of the body


def test_a_gzip_bomb_from_the_kubernetes_api_is_cut_at_the_size_limit_once_decompressed(tmp_path, hostile_env):
    runtime = {"workers": 2, "collect_timeout_s": 60, "check_timeout_s": 5, "retries": 0, "max_response_mb": 4}
    with (
        HostileServer("huge", size=100, content_type="application/xml") as s3,
        HostileServer("huge", size=GIB, prefix=b'{"kind":"NamespaceList","items":[],"x":"', gzip=True) as k8s,
    ):
        config = fleet(tmp_path, s3.url, k8s.url, runtime)
        code, stdout, stderr, peak_mb = run_hdsctl(config, tmp_path / "ev.sqlite", hostile_env, timeout=180)
    assert code == 1, stderr
    message = results_by_kind(stdout)["kubernetes"]["message"]
    assert "listing namespaces: the answer is larger than 4 MB (runtime.max_response_mb)" in message, message
    assert peak_mb < 500, f"peak RSS {peak_mb} MB"  # decompressed whole, 1 GB of text is several GB parsed


LAUGHS = "\n".join(
    ["apiVersion: v1", "kind: NamespaceList", "items:", "- apiVersion: v1", "  kind: Namespace", "  metadata:"]
    + ["    name: clinique-prod", "    labels: {}", "    annotations:", '      a0: &a0 ["lol","lol","lol","lol"]']
    + [f"      a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
)
"""A 'billion laughs' in a kubectl-style dump: 2 KB of text, 4 x 9^8 strings once expanded."""


def test_kubernetes_dump_with_yaml_aliases_is_refused(tmp_path):
    from hds_kubernetes.source_dump import DumpError, dump_identity, read_dump
    from hds_kubernetes.target import KubernetesTarget

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "namespaces.yaml").write_text(LAUGHS, encoding="utf-8")
    assert len(LAUGHS) < 2048
    target = KubernetesTarget(name="cluster", dump_dir=str(dump), namespaces=["clinique-prod"])
    with pytest.raises(DumpError) as refused:
        read_dump(dump, dump_identity(target))
    assert (
        str(refused.value)
        == f"{dump / 'namespaces.yaml'}: line 11: invalid YAML (YAML aliases (*name) are not allowed)"
    )


def test_kubernetes_dump_file_larger_than_the_limit_is_refused_unread(tmp_path):
    from hds_kubernetes.source_dump import DumpError, dump_identity, read_dump
    from hds_kubernetes.target import KubernetesTarget

    dump = tmp_path / "dump"
    dump.mkdir()
    big = dump / "namespaces.json"
    big.write_text('{"kind": "NamespaceList", "apiVersion": "v1", "items": [], "x": "' + "A" * 3_000_000 + '"}')
    target = KubernetesTarget(name="cluster", dump_dir=str(dump), namespaces=["clinique-prod"])
    with pytest.raises(DumpError) as refused:
        read_dump(dump, dump_identity(target), max_bytes=2 * 1024 * 1024)
    assert str(refused.value) == (
        f"{big}: {big.stat().st_size} bytes, larger than the 2 MB allowed (runtime.max_response_mb)"
    )
    snapshot = read_dump(dump, dump_identity(target), max_bytes=4 * 1024 * 1024)  # an operator may raise it
    assert snapshot is not None


def test_memory_guard_is_on_by_default():
    from controlplane.config.models import RuntimeSettings

    assert RuntimeSettings().max_rss_mb == 2048
    assert RuntimeSettings().max_response_mb == 64
    assert RuntimeSettings(max_rss_mb=None).max_rss_mb is None  # an operator may still turn it off


ECHO_TOKEN = "eyJhbGciOiJSUzI1NiJ9.hostile/echo+token=0123456789"
"""A bearer token with the characters URL-encoding changes (/, +, =)."""


def test_a_token_echoed_back_encoded_is_redacted_and_spans_carry_no_message(tmp_path, registry):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from controlplane.runner import execute, prepare
    from controlplane.store import EvidenceStore
    from controlplane.telemetry import Telemetry

    authorization = f"Bearer {ECHO_TOKEN}"
    echoed = (base64.b64encode(authorization.encode()).decode(), quote(authorization, safe=""))
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403}
    status["message"] = "forbidden: credentials {auth} (url: {auth_url}) cannot list"
    kc = tmp_path / "kc.yaml"
    with HostileServer("echo", status=403, body=json.dumps(status).encode()) as k8s:
        doc = yaml.safe_load(kubeconfig(kc, k8s.url).read_text())
        doc["users"][0]["user"]["token"] = ECHO_TOKEN
        kc.write_text(yaml.safe_dump(doc))
        config = write_fleet(
            tmp_path / "hds.yaml", [tenant("clinique", [3, 4, 5, 6], {"kubernetes": [kube_target(kc)]})]
        )
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
        try:
            prepared = prepare(config, control_ids=["K8S-01", "K8S-05"], registry=registry)
            outcome = execute(prepared, store, telemetry=Telemetry(provider))
            results = list(store.results(outcome.run_id))
        finally:
            store.close()
        assert k8s.requests >= 1
    stored = json.dumps(results)
    assert any(r["status"] == "error" and "[redacted]" in r["message"] for r in results), stored
    for form in (ECHO_TOKEN, *echoed):
        assert form not in stored
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("ev.sqlite*"))
    for form in (ECHO_TOKEN, *echoed):
        assert form.encode() not in raw
    spans = exporter.get_finished_spans()
    assert any(s.attributes.get("error.type") for s in spans)
    for span in spans:
        assert not span.status.description, (span.name, span.status.description)
        assert not span.events
        for value in span.attributes.values():
            assert "forbidden" not in str(value) and "[redacted]" not in str(value)


@pytest.mark.parametrize("mode", ["drip", "huge"])
def test_webhook_replies_are_read_bounded_and_the_warning_shows_no_path(mode):
    from controlplane.notify import post_json

    with HostileServer(mode, size=GIB if mode == "huge" else 100_000, chunked=True) as hook:
        url = f"http://127.0.0.1:{hook.port}/services/T000/B000/XXXXsecretXXXX?token=t0k3n"
        warning = post_json(url, {"text": "x"}, 2.0)  # bounded by its timeout, reply or not
        sent = hook.sent
    assert warning is None or warning == f"notification to http://127.0.0.1:{hook.port} failed: no answer within 2s"
    assert sent < 256 * 1024 * 1024


def test_the_shipped_fleet_file_guards_memory_below_the_cronjobs_limit():
    """The guard only helps if it fires before the kernel's OOM killer: below the pod's limit."""
    infra = Path(__file__).resolve().parents[2] / "infra" / "k8s" / "base"
    fleet_file = yaml.safe_load((infra / "hds.yaml").read_text())
    cronjob = yaml.safe_load((infra / "cronjob.yaml").read_text())
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    assert fleet_file["runtime"]["max_rss_mb"] <= int(limit[:-2]) * 0.85


def test_kubernetes_503_answers_are_retried_without_reading_their_endless_bodies(tmp_path):
    """urllib3 drains a retried answer's body before retrying: an endless one would hold the
    listing for ever. The retries close the connection instead; the last answer's body is cut at
    the deadline."""
    from controlplane.errors import TransientError
    from hds_kubernetes.source_api import kubeconfig_identity, list_cluster, open_kubeconfig_client
    from hds_kubernetes.target import KubernetesTarget

    outcome: list[BaseException] = []

    def listing(target: KubernetesTarget) -> None:
        try:
            list_cluster(open_kubeconfig_client(target), kubeconfig_identity(target), 3.0)
        except BaseException as exc:
            outcome.append(exc)

    with HostileServer("drip", status=503, size=100_000, interval=0.5) as k8s:
        target = KubernetesTarget.model_validate(kube_target(kubeconfig(tmp_path / "kc.yaml", k8s.url)))
        thread = threading.Thread(target=listing, args=(target,), daemon=True)
        thread.start()
        thread.join(timeout=60)  # 3 s of budget; the rest is margin for a busy machine
        assert not thread.is_alive(), "the listing outlived its deadline"
        requests = k8s.requests
    (cut,) = outcome
    assert isinstance(cut, TransientError)
    assert str(cut) == "listing namespaces: the API server's answer was not complete within the collection timeout"
    assert requests == 3  # two quick retries, then the answer whose body was cut
