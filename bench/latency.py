"""S3 sweeps at cloud latency: `hdsctl run` against S3-shaped endpoints that answer after a delay
(`canned_s3.py`, each in its own process), beside the latency floor and plain boto3's CPU.

- sweep: N tenants x B buckets on one endpoint answering after `--delay-ms`; wall time against
  the latency floor (requests x delay / `--in-flight`, what the endpoint allows at once), client
  CPU per request (the hdsctl process's user+system time / requests served), peak RSS;
- boto3 floor: the same GETs from plain boto3 threads (one client, `--in-flight` threads and
  connections) on a share of the buckets: CPU per request, in this process;
- two endpoints (`--two-endpoints`): half the tenants on each, run once with both healthy and
  once with `--throttle-share` of endpoint A's requests answered 503 SlowDown; when each
  endpoint's last request ended, and every (tenant, control) stored (a result or an ERROR).

    python bench/latency.py --tenants 1000 --delay-ms 40 --in-flight 256 --two-endpoints

Prints one line per measure and exits 1 when a target is missed (ratio <= 1.3, CPU per request
<= boto3's, B no slower with A throttled, nothing dropped, RSS <= 300 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KEY, SECRET = "AKIAHDSLATENCYBENCH", "latency-bench-not-a-secret"
ENV = {"HDS_LATENCY_KEY": KEY, "HDS_LATENCY_SECRET": SECRET}
CONTRACT = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}
SUBRESOURCES = (
    "location",
    "encryption",
    "policy",
    "publicAccessBlock",
    "acl",
    "versioning",
    "object-lock",
    "logging",
    "lifecycle",
    "replication",
)
TARGET_RATIO = 1.3
TARGET_RSS_MB = 300.0


@dataclass
class Endpoint:
    url: str
    stats: dict[str, Any]


@contextmanager
def endpoint(delay_ms: float, throttle_share: float = 0.0) -> Iterator[Endpoint]:
    """A canned S3 endpoint in its own process (its CPU is not charged to the sweep's)."""
    args = [sys.executable, str(HERE / "canned_s3.py"), "--delay-ms", str(delay_ms)]
    if throttle_share:
        args += ["--throttle-share", str(throttle_share)]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    found = Endpoint(proc.stdout.readline().strip(), {})
    try:
        yield found
    finally:
        proc.stdin.close()
        found.stats = json.loads(proc.stdout.readline() or "{}")
        proc.wait(30)


def fleet(
    urls: list[str], tenants: int, buckets: int, in_flight: int, per_endpoint: int, workers: int = 0
) -> dict[str, Any]:
    """Tenants spread over the endpoints in turn; each tenant's buckets on one endpoint."""
    entries = []
    for i in range(tenants):
        url = urls[i % len(urls)]
        entries.append(
            {
                "id": f"t{i:05d}",
                "name": f"Tenant {i}",
                "activities": [3, 4, 5, 6],
                "contract": dict(CONTRACT),
                "targets": {
                    "s3": [
                        {
                            "name": "stockage",
                            "endpoint_url": url,
                            "region": "eu-west-3",
                            "provider": "ceph",
                            "allowed_regions": ["eu-west-3"],
                            "addressing_style": "path",
                            "credentials": {
                                "access_key_id": {"env": "HDS_LATENCY_KEY"},
                                "secret_access_key": {"env": "HDS_LATENCY_SECRET"},
                            },
                            "buckets": [{"name": f"t{i:05d}-b{b:02d}"} for b in range(buckets)],
                        }
                    ]
                },
            }
        )
    runtime = {
        "workers": workers or min(256, max(1, in_flight // 8)),
        "collect_timeout_s": 120,
        "check_timeout_s": 10,
        "retries": 2,
        "endpoint_max_in_flight": per_endpoint,
        "global_max_in_flight": in_flight,
    }
    if os.environ.get("HDS_LATENCY_NO_WINDOWS"):  # code from before the windows (measured side by side)
        del runtime["endpoint_max_in_flight"], runtime["global_max_in_flight"]
    return {"version": 1, "runtime": runtime, "tenants": entries}


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    rss_mb: float
    started_wall: float
    store: Path
    exit_code: int


def hdsctl_run(config: dict[str, Any], workdir: Path, name: str) -> Run:
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    store = workdir / f"{name}.sqlite"
    store.unlink(missing_ok=True)
    hdsctl = str(Path(sys.executable).with_name("hdsctl"))
    env = {**os.environ, **ENV}
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "HDS_NOTIFY_URL", "HDS_STORE"):
        env.pop(var, None)
    with open(workdir / f"{name}.out", "w") as out:
        started_wall, t0 = time.time(), time.perf_counter()
        proc = subprocess.Popen(
            [hdsctl, "run", "-c", str(path), "--store", str(store)], env=env, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"hdsctl run exited {code}: {(workdir / f'{name}.out').read_text()[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, started_wall, store, code)


def stored(store: Path) -> list[dict[str, Any]]:
    from controlplane.store import EvidenceStore

    s = EvidenceStore.open(str(store))
    try:
        (run,) = s.list_runs(limit=1)
        return list(s.results(run.run_id))
    finally:
        s.close()


def boto3_floor(url: str, buckets: int, in_flight: int) -> tuple[float, int]:
    """Plain boto3: the same 10 GETs per bucket from `in_flight` threads; (CPU s, requests)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="eu-west-3",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=Config(max_pool_connections=in_flight, s3={"addressing_style": "path"}, retries={"mode": "standard"}),
    )
    calls = (
        client.get_bucket_location,
        client.get_bucket_encryption,
        client.get_bucket_policy,
        client.get_public_access_block,
        client.get_bucket_acl,
        client.get_bucket_versioning,
        client.get_object_lock_configuration,
        client.get_bucket_logging,
        client.get_bucket_lifecycle_configuration,
        client.get_bucket_replication,
    )

    def one(job: tuple[int, Any]) -> None:
        with contextlib.suppress(ClientError):  # the canned "not configured" answers (404) are answers too
            job[1](Bucket=f"floor-{job[0]:05d}")

    one((0, calls[0]))  # warm: load the service model outside the measure
    jobs = [(b, call) for b in range(buckets) for call in calls]
    before = resource.getrusage(resource.RUSAGE_SELF)
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(one, jobs))
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), len(jobs)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def single(args: argparse.Namespace, workdir: Path) -> list[str]:
    missed = []
    with endpoint(args.delay_ms) as ep:
        print(
            f"[{load()}] sweep: {args.tenants} tenants x {args.buckets} buckets, {args.delay_ms:g} ms, "
            f"{args.in_flight} in flight",
            flush=True,
        )
        run = hdsctl_run(fleet([ep.url], args.tenants, args.buckets, args.in_flight, args.in_flight), workdir, "one")
        floor_buckets = max(1, min(args.tenants * args.buckets, args.floor_buckets))
        floor_cpu, floor_requests = boto3_floor(ep.url, floor_buckets, args.in_flight)
    requests = ep.stats["requests"] - floor_requests - 1
    floor_s = requests * args.delay_ms / 1000 / args.in_flight
    ratio = run.wall_s / floor_s
    cpu_us = run.cpu_s / requests * 1e6
    boto3_us = floor_cpu / floor_requests * 1e6
    print(
        f"sweep: {run.wall_s:.2f} s for {requests} requests, latency floor {floor_s:.2f} s, ratio {ratio:.2f} "
        f"(target <= {TARGET_RATIO}); server max in flight {ep.stats['max_in_flight']}; [{load()}]"
    )
    print(
        f"cpu per request: hdsctl {cpu_us:.0f} us (whole process: start-up, plan, checks, store), "
        f"plain boto3 {boto3_us:.0f} us ({floor_requests} requests); peak RSS {run.rss_mb:.0f} MB"
    )
    if ratio > TARGET_RATIO:
        missed.append("ratio")
    if cpu_us > boto3_us:
        missed.append("cpu per request")
    if run.rss_mb > TARGET_RSS_MB:
        missed.append("rss")
    return missed


def two_endpoints(args: argparse.Namespace, workdir: Path) -> list[str]:
    missed = []
    finish: dict[str, float] = {}
    for case, share in (("healthy", 0.0), ("throttled", args.throttle_share)):
        with endpoint(args.delay_ms, share) as a, endpoint(args.delay_ms) as b:
            config = fleet(
                [a.url, b.url], args.tenants, args.buckets, args.in_flight, args.in_flight // 2, args.workers
            )
            run = hdsctl_run(config, workdir, f"two-{case}")
        results = stored(run.store)
        pairs = {(r["tenant"], r["control"]) for r in results}
        tenants = {r["tenant"] for r in results}
        controls = {r["control"] for r in results}
        dropped = len(tenants) * len(controls) - len(pairs) + (args.tenants - len(tenants))
        errors = [r for r in results if r["status"] == "error"]
        naming = sum(1 for r in errors if "SlowDown" in r["message"] or "throttling" in r["message"])
        a_s, b_s = a.stats["last_answer_wall"] - run.started_wall, b.stats["last_answer_wall"] - run.started_wall
        finish[case] = b_s
        print(
            f"two endpoints, {case}: A ({share:.0%} throttled, {a.stats['throttled']} of {a.stats['requests']}) "
            f"done at {a_s:.2f} s, B done at {b_s:.2f} s, run {run.wall_s:.2f} s; {len(pairs)} (tenant, control) "
            f"stored, {dropped} dropped, {len(errors)} errors ({naming} naming throttling); [{load()}]",
            flush=True,
        )
        if dropped or naming != len(errors):
            missed.append(f"{case}: dropped or unexplained errors")
    if finish["throttled"] > finish["healthy"]:
        missed.append(f"B slower with A throttled ({finish['throttled']:.2f} s vs {finish['healthy']:.2f} s)")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--buckets", type=int, default=10)
    parser.add_argument("--delay-ms", type=float, default=40.0)
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--floor-buckets", type=int, default=500, help="buckets swept by the plain boto3 floor")
    parser.add_argument("--two-endpoints", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=0, help="two-endpoint case: runtime.workers (default in-flight/8)"
    )
    parser.add_argument("--throttle-share", type=float, default=0.2)
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hds-latency-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        missed = [] if args.skip_single else single(args, workdir)
        if args.two_endpoints:
            missed += two_endpoints(args, workdir)
    print("targets: " + ("met" if not missed else "MISSED: " + ", ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    threading.current_thread().name = "latency-bench"
    sys.exit(main())
