"""The benchmark fleet: N tenants on local endpoints, half of them compliant, half not.

Each tenant gets
- two buckets on the local S3 endpoint (a data bucket logging into a log bucket), laid out with
  `hds_s3.demo.local_fleet`: compliant (default encryption, TLS-only policy, public access block,
  versioning, Object Lock and a retention lifecycle on the log bucket) or not (none of it);
- a TLS target: one of two local TLS servers (`hds_tls.demo.local_server`), a compliant one (TLS 1.2+,
  trusted chain, right name) or a badly configured one (self-signed, expired, wrong name, TLS 1.0
  and a static-RSA cipher);
- its namespaces in one shared cluster served by the local Kubernetes API server
  (`hds_kubernetes.demo.local_apiserver`), built like the demo's compliant and non-compliant tenants.

The S3 targets model an S3-compatible HDS provider (profile `ceph`: bucket APIs only, no AWS
account services), so every S3 request is a bucket-configuration read — what `floor.py` issues
too. All tenants' S3 targets use one operator key (moto accepts any key while IAM is not
enforced), referenced as `{env: ...}` like a real fleet file.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from controlplane.demo_context import DemoTenant
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import BucketPlan, provision_buckets

REGION = "eu-west-3"
KEY_VAR, SECRET_VAR = "HDS_BENCH_KEY", "HDS_BENCH_SECRET"
CREDENTIALS = LocalCredentials("123456789012", "AKIAHDSBENCHOPERATOR", "hds-bench-operator-not-a-secret")
ACTIVITIES = [3, 4, 5, 6]
CONTRACT = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}


@dataclass(frozen=True)
class BenchFleet:
    workdir: Path
    full_config: Path
    """Every target kind: S3, TLS and Kubernetes."""
    s3_config: Path
    """The same tenants with their S3 targets only: the sweep compared with the floor."""
    one_config: Path
    """The first tenant alone, S3 only: a sweep of one tenant."""
    tenants: tuple[str, ...]
    buckets: tuple[str, ...]
    env: dict[str, str]
    s3_url: str


class RemoteS3Endpoint(LocalS3Endpoint):
    """`LocalS3Endpoint`'s clients (what `hds_s3.demo.local_fleet` lays buckets out with) pointed at an
    endpoint running in another process."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


def tenant_id(i: int) -> str:
    return f"t{i:05d}"


def compliant(i: int) -> bool:
    return i % 2 == 0


def bucket_plans(i: int, light: bool = False) -> list[BucketPlan]:
    """Two buckets; `light`: one bare bucket (one request to create, for fleets of 10,000)."""
    p = f"{tenant_id(i)}-"
    if light:
        return [BucketPlan(f"{p}data", encryption="none", tls_only=False, block_public_access=False, versioning=False)]
    if compliant(i):
        return [
            BucketPlan(f"{p}logs", receives_logs=True, object_lock=("COMPLIANCE", 30), expire_days=400),
            BucketPlan(f"{p}data", log_to=f"{p}logs"),
        ]
    return [
        BucketPlan(f"{p}logs", receives_logs=True, encryption="none", tls_only=False, versioning=False),
        BucketPlan(
            f"{p}data",
            encryption="none",
            tls_only=False,
            block_public_access=False,
            versioning=False,
            log_to=f"{p}logs",
        ),
    ]


def provision_s3(url: str, tenants: int, threads: int = 8, light: bool = False) -> list[list[str]]:
    """Create every tenant's buckets (in parallel: the server is the bottleneck); their names."""
    endpoint = RemoteS3Endpoint(url)
    plans = [bucket_plans(i, light) for i in range(tenants)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda p: provision_buckets(endpoint, CREDENTIALS, p), plans))
    return [[b.name for b in p] for p in plans]


def s3_target(url: str, buckets: list[str], name: str = "stockage-objet") -> dict[str, Any]:
    roles = {"data": ["data"], "logs": ["log"]}
    return {
        "name": name,
        "provider": "ceph",
        "endpoint_url": url,
        "region": REGION,
        "addressing_style": "path",
        "allowed_regions": [REGION],
        "credentials": {"access_key_id": {"env": KEY_VAR}, "secret_access_key": {"env": SECRET_VAR}},
        "buckets": [{"name": b, "roles": roles[b.rsplit("-", 1)[1]]} for b in sorted(buckets)],
    }


@contextmanager
def tls_endpoints(workdir: Path) -> Iterator[dict[bool, dict[str, Any]]]:
    """Two TLS servers in this process; the target entry for each (keyed by compliance)."""
    from hds_tls.demo.local_server import LocalCA, LocalTlsServer

    ca = LocalCA(workdir / "tls")
    name = "portail.bench.localhost"
    good = LocalTlsServer(ca.issue("good", [name, "127.0.0.1"]), min_version="TLSv1_2")
    bad_cert = ca.issue("bad", ["autre.localhost"], days_valid=-3, not_before_days=400, self_signed=True, key="rsa")
    bad = LocalTlsServer(bad_cert, min_version="TLSv1", max_version="TLSv1_2", ciphers="AES128-SHA:@SECLEVEL=0")
    with good, bad:
        entry = {"name": "portail", "host": "127.0.0.1", "server_name": name, "ca_bundle": str(ca.ca_path)}
        yield {True: {**entry, "port": good.port}, False: {**entry, "port": bad.port}}


@contextmanager
def kubernetes_cluster(workdir: Path, tenants: int) -> Iterator[dict[int, dict[str, Any]]]:
    """One shared cluster on the local API server; each tenant's target entry."""
    from hds_kubernetes.demo import ENCRYPTED_CLASS, PLATFORM_NS, noncompliant, platform_objects
    from hds_kubernetes.demo import compliant as good
    from hds_kubernetes.demo.local_apiserver import LocalApiServer

    objects = platform_objects()
    selections: dict[int, dict[str, Any]] = {}
    for i in range(tenants):
        t = DemoTenant(tenant_id(i), f"Tenant {i}", "compliant" if compliant(i) else "noncompliant")
        objs, selection = good(t) if compliant(i) else noncompliant(t, f"{tenant_id(0)}-prod")
        objects += objs
        selections[i] = selection
    with LocalApiServer(objects) as server:
        kubeconfig = server.write_kubeconfig(workdir / "kubeconfig")
        yield {
            i: {
                "name": "cluster-paris",
                "kubeconfig": str(kubeconfig),
                "namespaces": selections[i],
                "encrypted_storage_classes": [ENCRYPTED_CLASS],
                "platform_namespaces": [PLATFORM_NS],
            }
            for i in range(tenants)
        }


def fleet_document(tenants: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    runtime = {"workers": workers, "collect_timeout_s": 120, "check_timeout_s": 10, "retries": 2}
    return {"version": 1, "runtime": runtime, "tenants": tenants}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """No anchors/aliases for repeated values: fleet files refuse YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _write(path: Path, document: dict[str, Any], flow: bool = False) -> Path:
    """Block style outside, flow style for small collections; `flow`: flow style throughout (one
    line per tenant, the most compact)."""
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=True if flow else None, width=10**6)
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def bench_fleet(
    workdir: Path, s3_url: str, tenants: int, workers: int = 16, full: bool = True, light: bool = False
) -> Iterator[BenchFleet]:
    """Provision the fleet and write its fleet files; TLS and Kubernetes endpoints run (in this
    process) until the block ends. `full=False` skips them (S3 only); `light`: one bare bucket each."""
    workdir.mkdir(parents=True, exist_ok=True)
    buckets = provision_s3(s3_url, tenants, light=light)
    with ExitStack() as stack:
        tls = stack.enter_context(tls_endpoints(workdir)) if full else {}
        k8s = stack.enter_context(kubernetes_cluster(workdir, tenants)) if full else {}
        s3_only, every = [], []
        for i in range(tenants):
            tenant = {"id": tenant_id(i), "name": f"Tenant {i}", "activities": ACTIVITIES, "contract": CONTRACT}
            if light:  # short entries (defaults omitted): 10,000 tenants must fit the fleet file's 4 MiB limit
                target = s3_target(s3_url, buckets[i], "s3")
                target["buckets"] = [{"name": name} for name in buckets[i]]
                contract = {"rpo_hours": 24, "rto_hours": 4}
                s3_only.append({**tenant, "name": tenant_id(i), "contract": contract, "targets": {"s3": [target]}})
                continue
            s3_only.append({**tenant, "targets": {"s3": [s3_target(s3_url, buckets[i])]}})
            if full:
                targets = {"s3": [s3_target(s3_url, buckets[i])], "tls": [tls[compliant(i)]], "kubernetes": [k8s[i]]}
                every.append({**tenant, "targets": targets})
        s3_config = _write(workdir / "hds-s3.yaml", fleet_document(s3_only, workers), flow=light)
        one_config = _write(workdir / "hds-one.yaml", fleet_document(s3_only[:1], workers))
        full_config = _write(workdir / "hds.yaml", fleet_document(every, workers)) if full else s3_config
        env = {KEY_VAR: CREDENTIALS.access_key_id, SECRET_VAR: CREDENTIALS.secret_access_key}
        yield BenchFleet(
            workdir,
            full_config,
            s3_config,
            one_config,
            tuple(tenant_id(i) for i in range(tenants)),
            tuple(b for names in buckets for b in names),
            env,
            s3_url,
        )


def hdsctl_env(fleet: BenchFleet) -> dict[str, str]:
    """The environment `hdsctl run` needs for the fleet's credential references."""
    env = {**os.environ, **fleet.env}
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "HDS_NOTIFY_URL", "HDS_STORE"):
        env.pop(var, None)
    return env


def compile_bytecode() -> None:
    """Compile our packages' bytecode, as `pip install` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE (set on these machines) would otherwise compile every module at
    each start, and the start-up figures would measure the compiler, not the product."""
    import compileall
    import importlib

    for name in ("controlplane", "hds_tls", "hds_s3", "hds_kubernetes", "hds_backup"):
        compileall.compile_dir(str(Path(importlib.import_module(name).__file__ or "").parent), quiet=1)


def hdsctl() -> str:
    """The `hdsctl` of this interpreter's environment."""
    here = Path(sys.executable).with_name("hdsctl")
    return str(here) if here.exists() else (shutil.which("hdsctl") or "hdsctl")


def main() -> None:
    """Keep a benchmark fleet up for profiling: `python bench/fleet_gen.py --tenants 100 --workdir DIR`,
    then e.g. `env $(cat DIR/env) py-spy record -- hdsctl run -c DIR/hds-s3.yaml`; Enter stops it."""
    import argparse

    from s3_server import S3ServerProcess

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--s3-only", action="store_true")
    parser.add_argument("--light", action="store_true", help="one bare bucket per tenant")
    args = parser.parse_args()
    with (
        S3ServerProcess() as server,
        bench_fleet(args.workdir, server.url, args.tenants, args.workers, not args.s3_only, args.light) as f,
    ):
        (f.workdir / "env").write_text("".join(f"{k}={v}\n" for k, v in f.env.items()))
        print(
            f"fleet ready: {f.full_config} and {f.s3_config}; env in {f.workdir / 'env'}; S3 at {f.s3_url}", flush=True
        )
        sys.stdin.readline()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
