"""A four-run history of a three-tenant fleet, written through the store API so every transition
the fleet report must get right is there exactly once.

- `t-a` S3-04 (critical) on bucket `b1`: fail, fail, error, fail -> open since run 1 (an error
  neither hides nor fixes a failure); `t-a` TLS-01: pass throughout.
- `t-b` TLS-03 (high): fail, pass, fail, fail -> open since run 3 (the pass closed the first one);
  `t-b` S3-04 on `gone`: fail in runs 1-2, then the bucket is no longer listed (run 3-4 judge
  S3-04 on the target with `b2` only) -> closed; `t-b` S3-04 on `b2`: pass, pass, fail, fail.
- `t-c`: TLS-01 pass in every run; BKP-03 (critical, activity 6) fails in run 4 only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run

RUNS = ("run-1", "run-2", "run-3", "run-4")
P, F, E = Status.passed, Status.failed, Status.error

S3 = {"control": "S3-04", "check": "s3.public_access_bucket", "target_kind": "s3", "target": "stockage",
      "hds_activities": (3, 4, 6), "iso27001": ("A.8.3",), "plugin": "s3"}  # fmt: skip
TLS3 = {"control": "TLS-03", "check": "tls.certificate_name"}
BKP = {"control": "BKP-03", "check": "backup.immutability", "target_kind": "backup", "target": "sauvegardes",
       "hds_activities": (6,), "iso27001": ("A.8.13",), "plugin": "backup"}  # fmt: skip

HISTORY: dict[str, list[tuple[str, dict[str, Any], str, Status]]] = {
    # tenant: (run, fields, resource, status) per result
    "t-a": [
        *((run, S3, "b1", s) for run, s in zip(RUNS, (F, F, E, F), strict=True)),
        *((run, {}, "web:443", P) for run in RUNS),
    ],
    "t-b": [
        *((run, TLS3, "web:443", s) for run, s in zip(RUNS, (F, P, F, F), strict=True)),
        ("run-1", S3, "gone", F),
        ("run-2", S3, "gone", F),
        *((run, S3, "b2", s) for run, s in zip(RUNS, (P, P, F, F), strict=True)),
    ],
    "t-c": [
        *((run, {}, "web:443", P) for run in RUNS),
        ("run-4", BKP, "daily", F),
    ],
}


def write_history(path: Path | str) -> Path | str:
    """The history into a SQLite file or a store URL."""
    store = EvidenceStore.open(str(path))
    try:
        for run in RUNS:
            rows = []
            for tenant, entries in HISTORY.items():
                for r, fields, resource, status in entries:
                    if r == run:
                        rows.append(result(run, tenant, len(rows), resource=resource, status=status, **fields))
            write_run(store, run, rows)
        write_run(store, "run-5-partial", [result("run-5-partial", "t-a", 0, status=F)], status="interrupted")
    finally:
        store.close()
    return path
