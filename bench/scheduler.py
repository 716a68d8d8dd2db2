"""Scheduler overhead: N no-op checks through the real plan, scheduler and SQLite store.

Prints one line; exits 1 when a target is missed (≤ 50 µs per check, peak RSS ≤ 300 MB).
Usage: python bench/scheduler.py [--tenants 10000]   (10 checks per tenant)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        registry = build_registry(load_entrypoints=False, extra_plugins=[("noop", NoopPlugin(catalog_file(tmp)))])
        fleet = {
            "version": 1,
            "runtime": {"workers": args.workers},
            "tenants": [
                {
                    "id": f"t{i:05d}",
                    "name": f"T{i}",
                    "activities": [5],
                    "contract": {"rpo_hours": 24, "rto_hours": 4},
                    "targets": {"noop": [{"name": "n"}]},
                }
                for i in range(args.tenants)
            ],
        }
        cfg = tmp / "hds.yaml"
        cfg.write_text(yaml.safe_dump(fleet), encoding="utf-8")
        t0 = time.perf_counter()
        prepared = prepare(cfg, control_ids=[f"NOP-{i:02d}" for i in range(1, CONTROLS + 1)], registry=registry)
        t_plan = time.perf_counter() - t0
        store = EvidenceStore.open(str(tmp / "ev.sqlite"))
        t1 = time.perf_counter()
        outcome = execute(prepared, store)
        t_run = time.perf_counter() - t1
        store.close()
    checks = outcome.stats.total
    us = t_run / checks * 1e6
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = us <= TARGET_US_PER_CHECK and rss_mb <= TARGET_RSS_MB
    print(
        f"scheduler: {checks} checks, {args.tenants} tenants, load+plan {t_plan:.2f}s, run {t_run:.2f}s, "
        f"{us:.1f} us/check (target <= {TARGET_US_PER_CHECK:g}), peak RSS {rss_mb:.0f} MB "
        f"(target <= {TARGET_RSS_MB:g}) -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
