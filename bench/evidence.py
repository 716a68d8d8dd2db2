"""Evidence verification rate: records per second through `verify_store` (every record against its
hash, every link, every seal) on a store of N records.

The store is filled through the store's own batch path (`EvidenceStore.add` + `flush`: canonical
JSON, hash chaining, executemany) with realistic S3-like evidence, spread over tenants and runs;
each (run, tenant) is sealed. Prints one line; exits 1 below 100,000 records/s.

Usage: python bench/evidence.py [--records 1000000] [--tenants 100] [--runs 10] [--store PATH] [--jobs N]
The store is verified twice, side by side: in one process, then as `hdsctl evidence verify` does
(tenants in parallel processes on a large store); the verdicts must be identical.
(--store keeps the filled store for another measurement: an existing file is verified as is.)
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.evidence import seal_run, verify_store
from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore, RunRecord

TARGET_RECORDS_PER_S = 100_000.0
CONTROLS = ("S3-01", "S3-03", "S3-04", "S3-06", "S3-07", "S3-08", "S3-10", "TLS-01", "TLS-04", "K8S-05")


def _evidence(tenant: str, n: int) -> dict[str, object]:
    bucket = f"{tenant}-bucket-{n % 7}"
    return {
        "bucket": bucket,
        "encryption": {"state": "value", "value": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "roles": ["data", "critical"] if n % 2 else ["backup"],
        "region": "eu-west-3",
        "observed_at": "2025-06-01T02:00:00.000+00:00",
    }


def fill(store: EvidenceStore, records: int, tenants: int, runs: int, key: Ed25519PrivateKey) -> None:
    """Write `records` results: `runs` runs, each covering every tenant, then seal each run."""
    tenant_ids = [f"tenant-{i:04d}" for i in range(tenants)]
    per_run = records // runs
    per_tenant = per_run // tenants
    for r in range(runs):
        run_id = f"20250601T{r:06d}Z-bench"
        store.begin_run(
            RunRecord(run_id, f"2025-06-01T00:00:{r:02d}Z", None, "running", "bench", "d", "d", {}, tenant_ids, 0, None)
        )
        for tenant in tenant_ids:
            for n in range(per_tenant):
                control = CONTROLS[n % len(CONTROLS)]
                store.add(
                    CheckResult(
                        run_id=run_id,
                        tenant=tenant,
                        control=control,
                        check=f"bench.{control.lower()}",
                        target_kind="s3",
                        target="stockage-objet",
                        resource=f"{tenant}-bucket-{n % 7}",
                        status=Status.passed if n % 3 else Status.failed,
                        message="default encryption AES256" if n % 3 else "no default encryption",
                        evidence=_evidence(tenant, n),
                        hds_activities=(3, 4),
                        iso27001=("A.8.24",),
                        started_at="2025-06-01T02:00:00.123+00:00",
                        duration_ms=0.042,
                        plugin="bench",
                        plugin_version="1.0",
                    )
                )
        store.finish_run(run_id, "completed", f"2025-06-01T00:10:{r:02d}Z", {})
        seal_run(store, run_id, key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--store", type=Path, help="keep (or reuse) the filled store at this path")
    parser.add_argument("--jobs", type=int, help="verification processes (default: as hdsctl evidence verify)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = args.store or Path(d) / "evidence.sqlite"
        key = Ed25519PrivateKey.generate()
        t_fill = 0.0
        if not path.exists():
            store = EvidenceStore.open(str(path))
            t0 = time.perf_counter()
            fill(store, args.records, args.tenants, args.runs, key)
            t_fill = time.perf_counter() - t0
            store.close()
        store = EvidenceStore.open(str(path), create=False)
        t1 = time.perf_counter()
        serial = verify_store(store, jobs=1)
        t_serial = time.perf_counter() - t1
        t1 = time.perf_counter()
        verification = verify_store(store, location=str(path), jobs=args.jobs)
        t_verify = time.perf_counter() - t1
        store.close()
    records = sum(t.records for t in verification.tenants)
    rate = records / t_verify
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = serial.as_dict() == verification.as_dict()
    ok = verification.ok and same and rate >= TARGET_RECORDS_PER_S
    print(
        f"evidence: {records} records, {len(verification.tenants)} tenants, "
        f"{sum(len(t.sealed_runs) for t in verification.tenants)} seals, "
        f"fill {t_fill:.1f}s ({records / t_fill if t_fill else 0:,.0f} records/s), verify {t_verify:.1f}s, "
        f"{rate:,.0f} records/s (target >= {TARGET_RECORDS_PER_S:,.0f}; one process: {t_serial:.1f}s, "
        f"{records / t_serial:,.0f} records/s), same verdict={same}, intact={verification.ok}, "
        f"peak RSS {rss_mb:.0f} MB -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
