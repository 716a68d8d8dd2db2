"""Scheduler overhead: N no-op checks through the real plan, scheduler and SQLite store.

The plugin's collector and checks do nothing, so what is measured is the core: planning, the
worker threads, result validation, hash-chaining and the batched SQLite writes. Prints one line;
exits 1 when a target is missed (≤ 50 µs per check, peak RSS ≤ 300 MB at 10,000 tenants).

Usage: python bench/scheduler.py [--tenants 10000] [--workers 8] [--repeat 3]
(10 checks per tenant; with --repeat the run is measured that many times on fresh stores and the
best is kept: on a shared machine the best run is the one least disturbed by other processes.)
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from noop_plugin import CONTROLS, NoopPlugin, catalog_file

from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore

TARGET_US_PER_CHECK = 50.0
TARGET_RSS_MB = 300.0


def write_fleet(path: Path, tenants: int, workers: int) -> None:
    fleet = {
        "version": 1,
        "runtime": {"workers": workers},
        "tenants": [
            {
                "id": f"t{i:05d}",
                "name": f"T{i}",
                "activities": [5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"noop": [{"name": "n"}]},
            }
            for i in range(tenants)
        ],
    }
    path.write_text(yaml.dump(fleet, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)), encoding="utf-8")


def measure(tenants: int, workers: int, repeat: int) -> dict[str, float]:
    """Load and plan once, then run `repeat` times; the figures of the fastest run."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        registry = build_registry(load_entrypoints=False, extra_plugins=[("noop", NoopPlugin(catalog_file(tmp)))])
        cfg = tmp / "hds.yaml"
        write_fleet(cfg, tenants, workers)
        t0 = time.perf_counter()
        prepared = prepare(cfg, control_ids=[f"NOP-{i:02d}" for i in range(1, CONTROLS + 1)], registry=registry)
        t_plan = time.perf_counter() - t0
        best: dict[str, float] = {}
        for attempt in range(repeat):
            store = EvidenceStore.open(str(tmp / f"ev{attempt}.sqlite"))
            c1, t1 = time.process_time(), time.perf_counter()
            outcome = execute(prepared, store)
            t_run, c_run = time.perf_counter() - t1, time.process_time() - c1
            store.close()
            checks = outcome.stats.total
            if not best or t_run < best["run_s"]:
                best = {"checks": checks, "run_s": t_run, "cpu_s": c_run}
        best["plan_s"] = t_plan
    best["us_per_check"] = best["run_s"] / best["checks"] * 1e6
    best["cpu_us_per_check"] = best["cpu_s"] / best["checks"] * 1e6
    best["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    m = measure(args.tenants, args.workers, args.repeat)
    ok = m["us_per_check"] <= TARGET_US_PER_CHECK and m["rss_mb"] <= TARGET_RSS_MB
    print(
        f"scheduler: {m['checks']:.0f} checks, {args.tenants} tenants, {args.workers} workers, "
        f"load+plan {m['plan_s']:.2f}s, run {m['run_s']:.2f}s (best of {args.repeat}), "
        f"{m['us_per_check']:.1f} us/check (target <= {TARGET_US_PER_CHECK:g}; CPU {m['cpu_us_per_check']:.1f} us), "
        f"peak RSS {m['rss_mb']:.0f} MB (target <= {TARGET_RSS_MB:g}) -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
