"""Evidence written straight through the store API, for tests that need exact contents (hostile
strings, every status, many tenants) rather than what a live sweep happens to produce."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore, RunRecord


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def result(run_id: str, tenant: str, n: int = 0, **overrides: Any) -> CheckResult:
    fields: dict[str, Any] = {
        "run_id": run_id,
        "tenant": tenant,
        "control": "TLS-01",
        "check": "tls.protocol_version",
        "target_kind": "tls",
        "target": f"portail-{tenant}",
        "resource": f"{tenant}.example.test:{443 + n}",
        "status": Status.passed,
        "message": f"finding {n} of {tenant}",
        "evidence": {"n": n, "tenant": tenant, "accents": "évidence vérifiée"},
        "hds_activities": (3, 4, 5),
        "iso27001": ("A.8.24",),
        "started_at": now(),
        "duration_ms": 1.5 + n,
        "plugin": "tls",
        "plugin_version": "0.1.0",
    }
    fields.update(overrides)
    return CheckResult(**fields)


def begin(store: EvidenceStore, run_id: str, tenants: list[str]) -> None:
    store.begin_run(
        RunRecord(
            run_id=run_id,
            started_at=now(),
            finished_at=None,
            status="running",
            tool_version="0.1.0",
            catalog_digest="c" * 64,
            config_digest="f" * 64,
            filters={},
            tenants=tenants,
            planned=0,
            counts=None,
        )
    )


def write_run(store: EvidenceStore, run_id: str, results: list[CheckResult], status: str = "completed") -> None:
    """A whole run: begin, add every result, finish."""
    tenants = sorted({r.tenant for r in results})
    begin(store, run_id, tenants)
    for r in results:
        store.add(r)
    counts: dict[str, int] = {}
    for r in results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    store.finish_run(run_id, status, now(), counts)
