"""Unreliable endpoints, with the real plugins over real sockets: S3 (boto3 through `endpoint_url`),
Kubernetes (the official client through a kubeconfig) and TLS endpoints that refuse connections,
reset mid-response, answer 500/503/429/SlowDown, or hang. Each collection is retried (the
client's own bounded retries, then the scheduler's, with jittered backoff), then every result of
the target is an error with a reason naming what happened, and the run completes. No timing
assertion: the scheduler's collection timeout is what bounds a run, and the tests only need it
to finish (the subprocess-free runs are bounded by collect_timeout_s x attempts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.reliability.flaky_server import FlakyServer, refused_port
from tests.support.fleet import tenant, write_fleet

RUNTIME = {"workers": 4, "collect_timeout_s": 20, "check_timeout_s": 5, "retries": 1, "retry_backoff_s": 0.05}
HANG_RUNTIME = RUNTIME | {"collect_timeout_s": 3}
S3_ERRORS = {
    500: b"<Error><Code>InternalError</Code><Message>We encountered an internal error</Message></Error>",
    503: b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    429: b"<Error><Code>TooManyRequests</Code><Message>Rate exceeded</Message></Error>",
}
RETRIED = "collection failed after 2 attempts: "
"""The scheduler retried the collection once (runtime.retries 1) after the client's own retries."""

# mode -> (reason expected for S3, for Kubernetes)
HTTP_CASES = {
    "refuse": ("no answer from {url}: endpoint unreachable: Could not connect", "Connection refused"),
    "reset": ("no answer from {url}: endpoint unreachable: Connection was closed", "Connection reset by peer"),
    500: ("InternalError: We encountered an internal error (HTTP 500), after 2 attempts", "listing namespaces: 500 "),
    503: ("SlowDown: Please reduce your request rate. (HTTP 503), after 2 attempts", "listing namespaces: 503 "),
    429: ("TooManyRequests: Rate exceeded (HTTP 429), after 2 attempts", "listing namespaces: 429 "),
}


def kubeconfig(path: Path, server: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "flaky", "cluster": {"server": server}}],
        "users": [{"name": "reader", "user": {"token": "flaky-token-0123456789"}}],
        "contexts": [{"name": "flaky", "context": {"cluster": "flaky", "user": "reader"}}],
        "current-context": "flaky",
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def s3_target(url: str) -> dict:
    return {
        "name": "objets",
        "provider": "aws",
        "region": "eu-west-3",
        "endpoint_url": url,
        "addressing_style": "path",
        "max_attempts": 2,
        "credentials": {"access_key_id": {"env": "HDS_FLAKY_KEY"}, "secret_access_key": {"env": "HDS_FLAKY_SECRET"}},
        "buckets": [{"name": "donnees-patients"}],
    }


def kube_target(kubeconfig_path: Path) -> dict:
    return {"name": "cluster", "kubeconfig": {"file": str(kubeconfig_path)}, "namespaces": ["clinique-prod"]}


def sweep(tmp_path: Path, registry, targets: dict, controls: list[str], runtime: dict) -> list[dict]:
    config = write_fleet(tmp_path / "hds.yaml", [tenant("clinique", [3, 4, 5, 6], targets)], runtime)
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    try:
        outcome = execute(prepare(config, control_ids=controls, registry=registry), store)
        assert outcome.status == "completed"
        return list(store.results(outcome.run_id))
    finally:
        store.close()


@pytest.fixture(autouse=True)
def s3_keys(monkeypatch):
    monkeypatch.setenv("HDS_FLAKY_KEY", "AKIAFLAKYENDPOINT01")
    monkeypatch.setenv("HDS_FLAKY_SECRET", "flaky-endpoint-secret-value")


def served(mode: str | int, body: bytes, content_type: str) -> FlakyServer:
    return FlakyServer("hang" if mode == "refuse" else mode, body, content_type)


@pytest.mark.parametrize("mode", list(HTTP_CASES), ids=str)
def test_s3_and_kubernetes_endpoints_that_misbehave_give_errors_with_the_reason(tmp_path, registry, mode):
    status_body = json.dumps(
        {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "injected"}
    ).encode()
    with (
        served(mode, S3_ERRORS.get(mode, b""), "application/xml") as s3,
        served(mode, status_body, "application/json") as k8s,
    ):
        s3_url = f"http://127.0.0.1:{refused_port()}" if mode == "refuse" else s3.url
        k8s_url = f"http://127.0.0.1:{refused_port()}" if mode == "refuse" else k8s.url
        targets = {"s3": [s3_target(s3_url)], "kubernetes": [kube_target(kubeconfig(tmp_path / "kc.yaml", k8s_url))]}
        results = sweep(tmp_path, registry, targets, ["S3-01", "S3-06", "K8S-01", "K8S-05"], RUNTIME)
        connections = (s3.connections, k8s.connections)
    s3_reason, k8s_reason = HTTP_CASES[mode]
    by_kind = {kind: [r for r in results if r["target_kind"] == kind] for kind in ("s3", "kubernetes")}
    assert len(by_kind["s3"]) == 2 and len(by_kind["kubernetes"]) == 2
    for r in by_kind["s3"]:
        assert r["status"] == "error"
        assert r["message"].startswith(RETRIED), r["message"]
        assert s3_reason.format(url=s3_url) in r["message"], r["message"]
    for r in by_kind["kubernetes"]:
        assert r["status"] == "error"
        assert r["message"].startswith(RETRIED), r["message"]
        assert k8s_reason in r["message"], r["message"]
    if mode != "refuse":
        assert min(connections) >= 1  # the servers were reached (retries may reuse a connection)


def test_endpoints_that_hang_are_abandoned_at_the_collection_timeout(tmp_path, registry):
    with FlakyServer("hang") as s3, FlakyServer("hang") as k8s, FlakyServer("hang") as tls:
        targets = {
            "s3": [s3_target(s3.url)],
            "kubernetes": [kube_target(kubeconfig(tmp_path / "kc.yaml", k8s.url))],
            "tls": [{"name": "portail", "host": "127.0.0.1", "port": tls.port, "server_name": "portail.test"}],
        }
        results = sweep(tmp_path, registry, targets, ["S3-01", "K8S-01", "TLS-01", "TLS-02"], HANG_RUNTIME)
    assert {r["target_kind"] for r in results} == {"s3", "kubernetes", "tls"}
    for r in results:
        assert r["status"] == "error"
        # Abandoned by the scheduler, or the client's own timeout (sized from the same budget) fired first.
        assert r["message"] == "collection timed out after 3s" or "timed out" in r["message"], r["message"]


CONNECTION_FAILURE = re.compile(r"reset by peer|refused|closed|broken pipe|EOF", re.IGNORECASE)
"""How a refused or reset connection may be worded: which call saw the reset (connect, the
handshake's send or its receive) depends on timing, not on the product."""


@pytest.mark.parametrize("mode", ["refuse", "reset_on_accept"])
def test_tls_endpoints_that_refuse_or_reset_give_errors_naming_the_endpoint(tmp_path, registry, mode):
    with FlakyServer("hang" if mode == "refuse" else mode) as server:
        port = refused_port() if mode == "refuse" else server.port
        target = {"name": "portail", "host": "127.0.0.1", "port": port, "server_name": "portail.test"}
        results = sweep(tmp_path, registry, {"tls": [target]}, ["TLS-01", "TLS-02", "TLS-04"], RUNTIME)
        if mode != "refuse":
            assert 1 <= server.connections <= 2  # at most one attempt and one retry: bounded
    assert len(results) == 3
    for r in results:
        assert r["status"] == "error", r
        assert f"127.0.0.1:{port}" in r["message"], r["message"]
        assert CONNECTION_FAILURE.search(r["message"]), r["message"]
        if mode == "refuse":
            assert r["message"] == f"{RETRIED}cannot connect to 127.0.0.1:{port}: [Errno 111] Connection refused"
