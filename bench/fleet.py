"""Fleet sweep: `hdsctl run` on N tenants against local endpoints, beside the endpoint's floor.

Starts the S3 endpoint in its own process (`s3_server.py`, which counts requests), builds the
fleet (`fleet_gen.py`: S3 buckets, TLS endpoints and Kubernetes namespaces, half compliant), then
measures, side by side in the same run:
- start-up: `hdsctl controls list` (import + catalog load), best of 5;
- floor: the same bucket reads by a plain boto3 script with the sweep's concurrency (`floor.py`);
- S3 sweep: `hdsctl run` on the S3 targets (subprocess): wall time, requests per bucket counted
  at the server, the most any (bucket, aspect) was read, peak RSS of the hdsctl process;
- first request: a sweep of one tenant (a fleet file of one tenant), time from spawning `hdsctl
  run` to the first request the server sees; and the same with `--tenant` on the whole fleet file
  (which is loaded and validated whole);
- full sweep: `hdsctl run` on every target kind: wall time, checks per second, peak RSS.

Prints one line; exits 1 when a target is missed: S3 sweep ≤ 1.5 × floor, one request per bucket
per aspect, start-up ≤ 0.5 s, first request ≤ 1 s, peak RSS ≤ 300 MB.

Usage: python bench/fleet.py [--tenants 100] [--workers 16] [--repeat 1] [--s3-only] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet_gen import CREDENTIALS, REGION, BenchFleet, bench_fleet, compile_bytecode, hdsctl, hdsctl_env
from floor import floor_reads
from s3_server import S3ServerProcess

TARGET_RATIO = 1.5
TARGET_STARTUP_S = 0.5
TARGET_FIRST_REQUEST_S = 1.0
TARGET_RSS_MB = 300.0


@dataclass(frozen=True)
class Process:
    wall_s: float
    exit_code: int
    rss_mb: float
    started: float
    """time.time() when spawned, to compare with the server's request times."""
    output: str


def run_process(args: list[str], env: dict[str, str], workdir: Path) -> Process:
    """Run a command to completion; its own peak RSS comes from wait4 (this child only)."""
    out_path = workdir / "out.txt"
    with open(out_path, "w") as out, open(workdir / "err.txt", "w") as err:
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=workdir)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    return Process(wall, proc.returncode, usage.ru_maxrss / 1024, started, out_path.read_text())


def startup(env: dict[str, str], workdir: Path, runs: int) -> float:
    return min(run_process([hdsctl(), "controls", "list"], env, workdir).wall_s for _ in range(runs))


def counts(output: str) -> dict[str, int]:
    found = dict(re.findall(r"(pass|fail|error|not_applicable): (\d+)", output))
    return {k: int(v) for k, v in found.items()}


def sweep(fleet: BenchFleet, config: Path, server: S3ServerProcess, name: str, extra: list[str] = ()) -> tuple:
    """One `hdsctl run` on a fresh store; the process figures and the S3 requests it caused."""
    server.clear()
    store = fleet.workdir / f"{name}.sqlite"
    store.unlink(missing_ok=True)
    command = [hdsctl(), "run", "-c", str(config), "--store", str(store), *extra]
    proc = run_process(command, hdsctl_env(fleet), fleet.workdir)
    if proc.exit_code not in (0, 1):
        err = (fleet.workdir / "err.txt").read_text()
        raise RuntimeError(f"hdsctl run exited {proc.exit_code}: {err[-2000:]}")
    return proc, server.requests()


def measure(
    tenants: int, workers: int, repeat: int, s3_only: bool, workdir: Path, startup_runs: int = 5
) -> dict[str, float]:
    m: dict[str, float] = {"tenants": tenants}
    with S3ServerProcess() as server:
        t0 = time.perf_counter()
        with bench_fleet(workdir, server.url, tenants, workers, full=not s3_only) as fleet:
            m["provision_s"] = time.perf_counter() - t0
            buckets = list(fleet.buckets)
            m["buckets"] = len(buckets)
            m["startup_s"] = startup(hdsctl_env(fleet), fleet.workdir, startup_runs)
            floors, sweeps = [], []
            for _ in range(repeat):
                server.clear()
                floor = floor_reads(
                    server.url, CREDENTIALS.access_key_id, CREDENTIALS.secret_access_key, REGION, buckets, workers
                )
                floors.append((floor.wall_s, len(server.requests()), floor.errors))
                sweeps.append(sweep(fleet, fleet.s3_config, server, "s3"))
            m["floor_s"], m["floor_requests"], m["floor_errors"] = min(floors)
            proc, requests = min(sweeps, key=lambda s: s[0].wall_s)
            m["s3_sweep_s"], m["s3_rss_mb"] = proc.wall_s, proc.rss_mb
            m["s3_checks"] = sum(counts(proc.output).values())
            m["s3_errors"] = counts(proc.output).get("error", 0)
            per_bucket = [r for r in requests if r[2].strip("/")]  # not ListBuckets
            m["requests_per_bucket"] = len(per_bucket) / len(buckets)
            m["max_reads_per_aspect"] = max(Counter((r[1], r[2], r[3]) for r in per_bucket).values())
            m["ratio"] = m["s3_sweep_s"] / m["floor_s"]
            one, requests = sweep(fleet, fleet.one_config, server, "one")
            m["first_request_s"] = min(r[0] for r in requests) - one.started if requests else float("inf")
            one, requests = sweep(fleet, fleet.s3_config, server, "one", ["--tenant", fleet.tenants[0]])
            m["first_request_filtered_s"] = min(r[0] for r in requests) - one.started if requests else float("inf")
            if not s3_only:
                full, _ = sweep(fleet, fleet.full_config, server, "full")
                c = counts(full.output)
                m["full_sweep_s"], m["full_rss_mb"] = full.wall_s, full.rss_mb
                m["full_checks"], m["full_errors"] = sum(c.values()), c.get("error", 0)
    return m


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--workers", type=int, default=16, help="runtime.workers of the fleet file; floor threads")
    parser.add_argument("--repeat", type=int, default=1, help="measure floor and S3 sweep N times, keep the best")
    parser.add_argument("--s3-only", action="store_true", help="no TLS/Kubernetes targets, no full sweep")
    parser.add_argument("--workdir", type=Path, help="keep the fleet, stores and outputs here")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory() as d:
        m = measure(args.tenants, args.workers, args.repeat, args.s3_only, args.workdir or Path(d))
    rss = max(m["s3_rss_mb"], m.get("full_rss_mb", 0.0))
    ok = (
        m["ratio"] <= TARGET_RATIO
        and m["max_reads_per_aspect"] == 1
        and m["startup_s"] <= TARGET_STARTUP_S
        and m["first_request_s"] <= TARGET_FIRST_REQUEST_S
        and rss <= TARGET_RSS_MB
        and m["floor_errors"] == 0
    )
    full = (
        f"full sweep {m['full_sweep_s']:.1f}s, {m['full_checks']:.0f} checks ({m['full_errors']:.0f} errors), "
        f"{m['full_checks'] / m['full_sweep_s']:.0f} checks/s, RSS {m['full_rss_mb']:.0f} MB; "
        if "full_sweep_s" in m
        else ""
    )
    print(
        f"fleet: {args.tenants} tenants, {m['buckets']:.0f} buckets, {args.workers} workers: "
        f"S3 sweep {m['s3_sweep_s']:.2f}s vs floor {m['floor_s']:.2f}s -> ratio {m['ratio']:.2f} "
        f"(target <= {TARGET_RATIO:g}); {m['requests_per_bucket']:.1f} requests/bucket, "
        f"max {m['max_reads_per_aspect']:.0f} per aspect (target 1), floor {m['floor_requests']:.0f} requests; "
        f"S3 sweep {m['s3_checks']:.0f} checks ({m['s3_errors']:.0f} errors), RSS {m['s3_rss_mb']:.0f} MB; {full}"
        f"start-up {m['startup_s']:.2f}s (target <= {TARGET_STARTUP_S:g}); first request "
        f"{m['first_request_s']:.2f}s (target <= {TARGET_FIRST_REQUEST_S:g}; with --tenant on the "
        f"{args.tenants}-tenant file {m['first_request_filtered_s']:.2f}s); peak RSS {rss:.0f} MB "
        f"(target <= {TARGET_RSS_MB:g}); provisioning {m['provision_s']:.0f}s -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
