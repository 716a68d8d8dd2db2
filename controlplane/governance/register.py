"""Read the governance records back from the store (public API only): every attestation and
waiver record of the wanted tenants, each with its run and record hash."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from controlplane.results import RunStatus
from controlplane.store import EvidenceStore


def governance_runs(store: EvidenceStore, kind: str) -> list[Any]:
    """Recorded runs of `kind`, oldest first (later records supersede earlier ones)."""
    runs = [
        r
        for r in store.list_runs(10_000_000)
        if r.status == RunStatus.recorded and (r.filters or {}).get("kind") == kind
    ]
    return sorted(runs, key=lambda r: (r.started_at, r.run_id))


def records(store: EvidenceStore, kind: str, tenants: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every record of `kind` for `tenants` (None: all), oldest first. One read per governance
    run rather than per tenant: there are few such runs, and many tenants."""
    wanted = set(tenants) if tenants is not None else None
    for run in governance_runs(store, kind):
        if wanted is not None and len(wanted) == 1:
            (only,) = wanted
            if only in run.tenants:
                yield from store.results(run.run_id, only)
            continue
        for rec in store.results(run.run_id):
            if wanted is None or rec["tenant"] in wanted:
                yield rec


def latest_sweep(store: EvidenceStore, tenant: str, completed: bool = True) -> Any | None:
    """The tenant's latest sweep (`hdsctl run`; with `completed`, only a finished one), never a
    governance run."""
    for run in store.list_runs(10_000_000, tenant):
        if (run.status == RunStatus.completed or not completed) and not (run.filters or {}).get("kind"):
            return run
    return None
