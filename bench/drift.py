"""Drift cost after a run of a large fleet: `compare_with_previous` (what `hdsctl run` does after
every run) against the last observed state of each finding, on a store of `--runs` earlier runs.

Scenarios (`--scenario`): `healthy` (every earlier run clean: the walk reads one run back per
tenant), `outage` (the runs between the oldest and the current one errored for every tenant,
e.g. a missing shared secret: the walk goes back through them to the last clean run).
Prints one line: tenants, results per run, seconds, runs read per tenant, peak RSS.

Usage: python bench/drift.py [--tenants 10000] [--results 40] [--runs 4] [--scenario outage]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from controlplane.drift import compare_with_previous
from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore, RunRecord

CONTROLS = tuple(f"S3-{n:02d}" for n in range(1, 14))


def _run(store: EvidenceStore, r: int, tenants: list[str], per_tenant: int, errored: bool) -> str:
    run_id = f"20250601T{r:06d}Z-drift"
    store.begin_run(
        RunRecord(run_id, f"2025-06-01T00:{r:02d}:00Z", None, "running", "bench", "d", "d", {}, tenants, 0, None)
    )
    for tenant in tenants:
        controls = CONTROLS if errored else [CONTROLS[n % len(CONTROLS)] for n in range(per_tenant)]
        for n, control in enumerate(controls):
            failing = (n + r) % 5 == 0
            store.add(
                CheckResult(
                    run_id=run_id,
                    tenant=tenant,
                    control=control,
                    check="s3.bench",
                    target_kind="s3",
                    target="stockage",
                    resource="" if errored else f"{tenant}-bucket-{n}",
                    status=Status.error if errored else (Status.failed if failing else Status.passed),
                    message="environment variable S3_KEY is not set" if errored else ("bad" if failing else "ok"),
                    evidence={},
                    hds_activities=(5,),
                    iso27001=("A.8.24",),
                    started_at="2025-06-01T00:00:00Z",
                    duration_ms=0.1,
                    plugin="hds_s3",
                    plugin_version="bench",
                )
            )
    store.flush()
    store.finish_run(run_id, "completed", f"2025-06-01T00:{r:02d}:30Z", {})
    return run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=40, help="results per tenant in a clean run")
    parser.add_argument("--runs", type=int, default=4, help="earlier runs")
    parser.add_argument("--scenario", choices=("healthy", "outage"), default="outage")
    args = parser.parse_args()
    tenants = [f"tenant-{i:05d}" for i in range(args.tenants)]
    with tempfile.TemporaryDirectory() as tmp:
        store = EvidenceStore.open(str(Path(tmp) / "drift.sqlite"))
        for r in range(args.runs):
            _run(store, r, tenants, args.results, errored=args.scenario == "outage" and r > 0)
        current = _run(store, args.runs, tenants, args.results, errored=False)
        start = time.perf_counter()
        report = compare_with_previous(store, current)
        elapsed = time.perf_counter() - start
        store.close()
    back = args.runs if args.scenario == "outage" else 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"drift {args.scenario}: {args.tenants} tenants x {args.results} results, {back} earlier run(s) read per "
        f"tenant: {elapsed:.2f} s ({report.total('new_failures')} new, {report.total('still_failing')} still failing, "
        f"{report.total('fixed')} fixed); peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
