"""No secret leaks: a fleet where every credential reference of every plugin holds a known canary
value — S3 keys (env and file) against the local S3 endpoint, Kubernetes bearer tokens inside
kubeconfigs (a file, and an environment variable holding the whole kubeconfig) against local API
servers, the PostgreSQL store URL's password (HDS_STORE), the signing key, the webhook URL's
user-info and token, and a plugin echoing its token in an exception — swept by the real `hdsctl`,
then every surface is searched for every canary: the store (pg_dump of PostgreSQL; the raw bytes
of SQLite and its WAL), reports in every format, the auditor bundle, stdout and stderr of every
command (JSON and table), error messages, logs, and the spans and metrics of a run observed with
in-memory exporters. The canaries are also shown to have been *used* (else the test proves
nothing): buckets and namespaces were read, the webhook got the credentials, runs were sealed."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from controlplane.evidence import generate_key
from controlplane.plugins import build_registry
from controlplane.reports import FORMATS
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from controlplane.telemetry import Telemetry
from hds_kubernetes.collect import SNAPSHOT_CACHE
from hds_kubernetes.demo.local_apiserver import LocalApiServer
from hds_s3.demo.local_endpoint import LocalS3Endpoint
from tests.drift.webhooks import WebhookReceiver
from tests.plugins.kubernetes.clusters import shared_cluster
from tests.reliability.harness import hdsctl, plugin_env
from tests.support import fault_plugin
from tests.support.fleet import tenant, write_fleet
from tests.support.postgres import free_port

WEBHOOK_USER_PASSWORD = "hook-pass-5Jd9cXq2"
WEBHOOK_TOKEN = "hook-token-Qm7vR3pL8w"
STORE_PASSWORD = "pg-pass-Zt4nW8kY1s"
LEAKY_TOKEN = "plugin-token-Hx2bV6mN0c"


@dataclass
class Sweep:
    canaries: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)
    """Every surface searched: name -> its text."""
    facts: dict[str, object] = field(default_factory=dict)
    """Proof that the credentials were used."""


def _kubeconfig(server: LocalApiServer, path: Path) -> Path:
    return server.write_kubeconfig(path)


def _bucket(endpoint: LocalS3Endpoint, creds, name: str) -> dict:
    endpoint.client("s3", creds).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    return {"name": name}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, plugin_site, postgres_server) -> Iterator[Sweep]:
    work = tmp_path_factory.mktemp("leaks")
    secrets_dir = work / "secrets"
    secrets_dir.mkdir()
    key_path, _pub, _kid = generate_key(secrets_dir / "signing.key")
    pem = key_path.read_text()
    pem_body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    raw_key = base64.b64decode(pem_body)[-32:]  # the Ed25519 seed, whatever the encoding
    with (
        LocalS3Endpoint() as endpoint,
        LocalApiServer(shared_cluster()) as cluster_a,
        LocalApiServer(shared_cluster()) as cluster_b,
    ):
        alpha_keys = endpoint.new_account()
        beta_keys = endpoint.new_account()
        canaries = {
            "S3 access key id (env)": alpha_keys.access_key_id,
            "S3 secret key (file)": alpha_keys.secret_access_key,
            "S3 access key id (file)": beta_keys.access_key_id,
            "S3 secret key (env)": beta_keys.secret_access_key,
            "kubeconfig token (file)": cluster_a.token,
            "kubeconfig token (env)": cluster_b.token,
            "store URL password": STORE_PASSWORD,
            "webhook password": WEBHOOK_USER_PASSWORD,
            "webhook token": WEBHOOK_TOKEN,
            "plugin token echoed in an exception": LEAKY_TOKEN,
            "signing key (PEM body)": pem_body,
            "signing key (raw hex)": raw_key.hex(),
        }
        (secrets_dir / "alpha-secret").write_text(alpha_keys.secret_access_key + "\n")
        (secrets_dir / "beta-key-id").write_text(beta_keys.access_key_id + "\n")
        kubeconfig_a = _kubeconfig(cluster_a, secrets_dir / "kubeconfig-a")
        kubeconfig_b_text = _kubeconfig(cluster_b, work / "kc-b").read_text()
        (work / "kc-b").unlink()
        fleet = [
            tenant(
                "alpha",
                [3, 4, 5, 6],
                {
                    "s3": [
                        {
                            "name": "objets",
                            "endpoint_url": endpoint.url,
                            "region": "eu-west-3",
                            "addressing_style": "path",
                            "credentials": {
                                "access_key_id": {"env": "HDS_ALPHA_S3_KEY"},
                                "secret_access_key": {"file": str(secrets_dir / "alpha-secret")},
                            },
                            "buckets": [_bucket(endpoint, alpha_keys, "alpha-dossiers")],
                        }
                    ],
                    "kubernetes": [
                        {"name": "cluster", "kubeconfig": {"file": str(kubeconfig_a)}, "namespaces": ["alpha-prod"]}
                    ],
                    "faulty": [{"name": "leaky", "collect": "leak", "token": {"env": "HDS_LEAKY_TOKEN"}}],
                },
            ),
            tenant(
                "beta",
                [3, 4, 5],
                {
                    "s3": [
                        {
                            "name": "objets",
                            "endpoint_url": endpoint.url,
                            "region": "eu-west-3",
                            "addressing_style": "path",
                            "credentials": {
                                "access_key_id": {"file": str(secrets_dir / "beta-key-id")},
                                "secret_access_key": {"env": "HDS_BETA_S3_SECRET"},
                            },
                            "buckets": [_bucket(endpoint, beta_keys, "beta-dossiers")],
                        }
                    ],
                    "kubernetes": [
                        {"name": "cluster", "kubeconfig": {"env": "HDS_BETA_KUBECONFIG"}, "namespaces": ["beta-prod"]}
                    ],
                },
            ),
        ]
        config = write_fleet(work / "hds.yaml", fleet, {"workers": 4, "collect_timeout_s": 30, "retries": 0})
        database = postgres_server.create_database()
        store_url = postgres_server.url(database).replace("postgres@", f"postgres:{STORE_PASSWORD}@", 1)
        assert STORE_PASSWORD in store_url
        hook_fail, hook_ok = WebhookReceiver(status=500), WebhookReceiver()
        hook_url = "http://hds:{pw}@127.0.0.1:{port}/hooks/hds?token={token}"
        env = plugin_env(
            plugin_site,
            HDS_ALPHA_S3_KEY=alpha_keys.access_key_id,
            HDS_BETA_S3_SECRET=beta_keys.secret_access_key,
            HDS_BETA_KUBECONFIG=kubeconfig_b_text,
            HDS_LEAKY_TOKEN=LEAKY_TOKEN,
            HDS_STORE=store_url,
            HDS_SIGNING_KEY=str(key_path),
            HDS_CONFIG=str(config),
        )
        out = Sweep(canaries)
        try:

            def cli(
                name: str, *args: str, codes: tuple[int, ...] = (0, 1), **extra: str
            ) -> subprocess.CompletedProcess:
                proc = hdsctl(*args, env=env | extra)
                assert proc.returncode in codes, (name, proc.returncode, proc.stderr[-2000:])
                out.texts[f"{name}: stdout"] = proc.stdout
                out.texts[f"{name}: stderr"] = proc.stderr
                return proc

            # Alpha alone first (table), its new failures posted to a webhook that answers 500;
            # then everyone (JSON): beta's first run has new failures, posted to a working webhook.
            cli(
                "run (table, failing webhook)",
                "run",
                "--tenant",
                "alpha",
                HDS_NOTIFY_URL=hook_url.format(pw=WEBHOOK_USER_PASSWORD, port=hook_fail.port, token=WEBHOOK_TOKEN),
            )
            second = cli(
                "run (json, webhook)",
                "run",
                "--format",
                "json",
                HDS_NOTIFY_URL=hook_url.format(pw=WEBHOOK_USER_PASSWORD, port=hook_ok.port, token=WEBHOOK_TOKEN),
            )
            run_1 = json.loads(second.stdout)
            cli("runs list", "runs", "list")
            cli("runs list json", "runs", "list", "--format", "json")
            cli("runs show", "runs", "show", run_1["run_id"])
            cli("runs show json", "runs", "show", run_1["run_id"], "--format", "json")
            cli("verify", "evidence", "verify", "--format", "json", codes=(0,))
            cli("verify table", "evidence", "verify", codes=(0,))
            for t in ("alpha", "beta"):
                for fmt in FORMATS:
                    cli(f"report {t} {fmt}", "report", "--tenant", t, "--format", fmt, "-o", "-", codes=(0,))
                bundle = work / f"bundle-{t}"
                cli(f"export {t}", "evidence", "export", "--tenant", t, "-o", str(bundle), codes=(0,))
                for f in sorted(p for p in bundle.rglob("*") if p.is_file()):
                    out.texts[f"bundle {t}: {f.relative_to(bundle)}"] = f.read_bytes().decode("utf-8", "replace")
            # Error paths: an unreachable store and an unreadable signing key must not echo them.
            unreachable = store_url.replace(f":{postgres_server.port}/", f":{free_port()}/")
            assert STORE_PASSWORD in unreachable
            cli("unreachable store", "runs", "list", codes=(2,), HDS_STORE=unreachable)
            cli(
                "bad signing key",
                "run",
                "--signing-key",
                "env:HDS_BAD_KEY",
                codes=(2,),
                HDS_BAD_KEY=f"not a key {STORE_PASSWORD} {pem_body[:20]}",
            )
            dump = subprocess.run(
                [postgres_server.tool("pg_dump"), "--no-owner", "-d", postgres_server.dsn(database)],
                env=postgres_server.env(),
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            out.texts["store: pg_dump"] = dump.stdout
            out.facts.update(
                run_1=run_1,
                webhook_fail_hits=len(hook_fail.received),
                webhook_ok=hook_ok.received,
            )
        finally:
            hook_fail.close()
            hook_ok.close()
        _observed_in_process(out, work, config, env)
        yield out


def _observed_in_process(out: Sweep, work: Path, config: Path, env: dict[str, str]) -> None:
    """The same fleet run in this process: spans and metrics through in-memory exporters, logs
    at DEBUG from our own loggers, exceptions, and the raw bytes of a SQLite store."""
    SNAPSHOT_CACHE.clear()
    with pytest.MonkeyPatch.context() as mp:
        for name in ("HDS_ALPHA_S3_KEY", "HDS_BETA_S3_SECRET", "HDS_BETA_KUBECONFIG", "HDS_LEAKY_TOKEN"):
            mp.setenv(name, env[name])
        registry = build_registry(extra_plugins=[("faults", fault_plugin)])
        exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        records: list[str] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(self.format(record))

        handler = Collect(logging.INFO)
        logging.getLogger().addHandler(handler)
        store_path = work / "observed.sqlite"
        store = EvidenceStore.open(str(store_path))
        try:
            outcome = execute(
                prepare(config, registry=registry),
                store,
                telemetry=Telemetry(tracer_provider, MeterProvider(metric_readers=[reader])),
            )
            out.texts["in-process results"] = json.dumps(list(store.results(outcome.run_id)))
        finally:
            store.close()
            logging.getLogger().removeHandler(handler)
    spans = exporter.get_finished_spans()
    out.facts["spans"] = len(spans)
    out.texts["spans"] = "\n".join(span.to_json() for span in spans)
    out.texts["metrics"] = reader.get_metrics_data().to_json()
    out.texts["logs (INFO and above)"] = "\n".join(records)
    for path in sorted(work.glob("observed.sqlite*")):
        out.texts[f"store: raw bytes of {path.name}"] = path.read_bytes().decode("latin-1")


def test_the_canaries_were_used(sweep):
    run = sweep.facts["run_1"]
    by = {(r["tenant"], r["control"], r["target_kind"]): r for r in run["results"]}
    assert by[("alpha", "S3-06", "s3")]["status"] in ("pass", "fail")  # S3 read with alpha's keys
    assert by[("beta", "S3-06", "s3")]["status"] in ("pass", "fail")  # and with beta's
    assert by[("alpha", "K8S-05", "kubernetes")]["status"] == "pass"  # the API server took the file token
    assert by[("beta", "K8S-05", "kubernetes")]["status"] == "fail"  # and the env kubeconfig's token
    leaky = [r for r in run["results"] if r["target"] == "leaky"]
    assert leaky and all(
        r["message"] == "collection failed: RuntimeError: auth failed for token=[redacted]" for r in leaky
    )
    assert sweep.facts["webhook_fail_hits"] == 1
    (received,) = sweep.facts["webhook_ok"]
    assert received.path == f"/hooks/hds?token={WEBHOOK_TOKEN}"
    expected = base64.b64encode(f"hds:{WEBHOOK_USER_PASSWORD}".encode()).decode()
    assert received.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(sweep.texts["verify: stdout"])["ok"] is True
    assert any(t["sealed_runs"] for t in json.loads(sweep.texts["verify: stdout"])["tenants"])
    assert "warning" in sweep.texts["run (table, failing webhook): stderr"]  # the failure path was taken
    assert sweep.texts["unreachable store: stderr"].startswith("hdsctl: error: --store: cannot open store ")
    assert sweep.facts["spans"] > 10


def test_no_canary_appears_on_any_surface(sweep):
    leaks = [
        f"{canary_name} in {surface}"
        for surface, text in sweep.texts.items()
        for canary_name, canary in sweep.canaries.items()
        if canary in text
    ]
    assert not leaks, "\n".join(leaks)
    assert len(sweep.texts) > 40  # every surface was collected
