"""`hdsctl run --notify URL` end to end: real local TLS servers make a tenant regress between
two runs; the webhook gets the new failures, and a failing webhook changes nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.store import EvidenceStore
from hds_tls.demo.local_server import LocalCA, LocalTlsServer
from tests.drift.webhooks import SilentListener, WebhookReceiver, refused_port
from tests.support.governance import attest_all

SECRET_BITS = ("hunter22", "token=", "s3cret-query")


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    ca = LocalCA(tmp_path_factory.mktemp("notify-ca"))
    good = LocalTlsServer(ca.issue("good", ["portail.test"])).start()
    expiring = LocalTlsServer(ca.issue("expiring", ["portail.test"], days_valid=5)).start()
    yield {"ca": ca, "good": good, "expiring": expiring}
    good.stop()
    expiring.stop()


class Sweep:
    def __init__(self, tmp_path: Path, endpoints: dict) -> None:
        self.config = tmp_path / "hds.yaml"
        self.store = tmp_path / "evidence.sqlite"
        self.endpoints = endpoints
        self.attested = False

    def run(self, server: str, *extra: str, attest: bool = True) -> object:
        target = {
            "name": "portail",
            "host": "127.0.0.1",
            "port": self.endpoints[server].port,
            "server_name": "portail.test",
            "ca_bundle": str(self.endpoints["ca"].ca_path),
        }
        fleet = {
            "version": 1,
            "tenants": [
                {
                    "id": "clinique-nord",
                    "name": "Clinique Nord",
                    "activities": [4, 5],
                    "contract": {"rpo_hours": 24, "rto_hours": 4},
                    "targets": {"tls": [target]},
                }
            ],
        }
        self.config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
        if attest and not self.attested:  # the tenant's attested controls vouched for: only TLS can fail
            attest_all(self.config, self.store)
            self.attested = True
        args = ["run", "-c", str(self.config), "--store", str(self.store), *extra]
        return CliRunner().invoke(cli, args, env={"HDS_NOTIFY_URL": None, "OTEL_EXPORTER_OTLP_ENDPOINT": None})

    def runs(self) -> list:
        store = EvidenceStore.open(str(self.store), create=False)
        try:
            sweeps = [r for r in store.list_runs(100) if r.status != "recorded"]  # not the attestations
            return [(r, sum(x["target"] == "portail" for x in store.results(r.run_id))) for r in sweeps]
        finally:
            store.close()


@pytest.fixture
def sweep(tmp_path: Path, endpoints: dict) -> Sweep:
    return Sweep(tmp_path, endpoints)


def test_new_failures_are_posted_and_printed(sweep: Sweep):
    assert sweep.run("good").exit_code == 0
    receiver = WebhookReceiver()
    try:
        url = f"http://ops:hunter22@127.0.0.1:{receiver.port}/hooks/hds?token=s3cret-query"
        result = sweep.run("expiring", "--notify", url)
    finally:
        receiver.close()
    assert result.exit_code == 1
    assert "New failures" in result.stdout and "TLS-04" in result.stdout
    assert "1 new failures, 0 fixed, 0 still failing" in result.stdout
    (post,) = receiver.received
    assert post.path == "/hooks/hds?token=s3cret-query"
    assert post.headers["Authorization"].startswith("Basic ")
    payload = post.body
    assert payload["new_failures"] == 1
    assert payload["run"]["status"] == "completed"
    (tenant,) = payload["tenants"]
    assert tenant["tenant"] == "clinique-nord"
    (failure,) = tenant["new_failures"]
    # The TLS plugin names the resource host:port; the second server has another port.
    assert (failure["control"], failure["status"], failure["previous_status"]) == ("TLS-04", "fail", None)
    assert failure["severity"] == "medium" and failure["title"]["fr"]
    assert not any(bit in result.stdout + result.stderr for bit in SECRET_BITS)


def test_nothing_is_posted_when_no_failure_is_new(sweep: Sweep):
    sweep.run("expiring")
    receiver = WebhookReceiver()
    try:
        result = sweep.run("expiring", "--notify", f"http://127.0.0.1:{receiver.port}/hook")
    finally:
        receiver.close()
    assert result.exit_code == 1
    assert receiver.received == []
    assert "0 new failures, 0 fixed, 1 still failing" in result.stdout


@pytest.mark.parametrize("kind", ["http-500", "refused", "hang"])
def test_a_failing_webhook_keeps_the_exit_code_and_the_evidence(sweep: Sweep, kind: str):
    sweep.run("good")
    closers = []
    if kind == "http-500":
        receiver = WebhookReceiver(status=500)
        port, closers = receiver.port, [receiver.close]
    elif kind == "hang":
        listener = SilentListener()
        port, closers = listener.port, [listener.close]
    else:
        port = refused_port()
    url = f"http://ops:hunter22@127.0.0.1:{port}/hooks/hds?token=s3cret-query"
    try:
        result = sweep.run("expiring", "--notify", url, "--notify-timeout", "0.5", "--format", "json")
    finally:
        for close in closers:
            close()
    assert result.exit_code == 1  # what the same run exits with, webhook or not
    document = json.loads(result.stdout)
    assert document["status"] == "completed"
    assert document["drift"]["totals"]["new_failures"] == 1
    (latest, stored), _first = sweep.runs()
    assert latest.run_id == document["run_id"] and latest.status == "completed" and stored == 5
    warning = result.stderr.strip()
    assert warning.startswith(f"hdsctl: warning: notification to http://127.0.0.1:{port} failed: ")
    assert not any(bit in result.stderr for bit in SECRET_BITS)


def test_a_bad_webhook_url_is_refused_before_anything_runs(sweep: Sweep):
    result = sweep.run("good", "--notify", "ftp://ops:hunter22@example.org/x", attest=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == "hdsctl: error: --notify: the webhook URL must start with http:// or https://"
    assert not sweep.store.exists()
