"""Governance records (attestations, waivers) written to the evidence store as runs of their
own kind: one run per act, one record per covered tenant, chained and sealable like any check
result. Their runs end with status `recorded`, so drift and "previous run" never take them for
a sweep."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from controlplane import __version__
from controlplane.results import CheckResult, RunStatus, Status
from controlplane.store import EvidenceStore, RunRecord

PLUGIN = "governance"


@dataclass(frozen=True)
class Entry:
    """One record to write: the tenant whose chain gets it, and what it says."""

    tenant: str
    control: str
    target: str
    resource: str
    message: str
    evidence: dict[str, Any]
    hds_activities: tuple[int, ...]
    iso27001: tuple[str, ...]
    status: Status = Status.passed
    """An act (attestation, waiver) is a pass; a test's record (reversibility) says its outcome."""


def governance_run_id(kind: str, moment: str) -> str:
    stamp = moment.replace("-", "").replace(":", "")[:15]
    return f"{stamp}Z-{kind[:3]}-{secrets.token_hex(3)}"


def record(
    store: EvidenceStore,
    kind: str,
    entries: Sequence[Entry],
    filters: dict[str, Any],
    catalog_digest: str,
    config_digest: str,
    moment: str,
) -> str:
    """Append `entries` as one run of `kind` ("attestation" or "waiver"); returns its run id."""
    run_id = governance_run_id(kind, moment)
    tenants = sorted({e.tenant for e in entries})
    store.begin_run(
        RunRecord(
            run_id=run_id,
            started_at=moment,
            finished_at=None,
            status=RunStatus.running,
            tool_version=__version__,
            catalog_digest=catalog_digest,
            config_digest=config_digest,
            filters={"kind": kind, **filters},
            tenants=tenants,
            planned=len(entries),
            counts=None,
        )
    )
    status = RunStatus.interrupted
    try:
        for e in entries:
            store.add(
                CheckResult(
                    run_id=run_id,
                    tenant=e.tenant,
                    control=e.control,
                    check=f"{PLUGIN}.{kind}",
                    target_kind=kind,
                    target=e.target,
                    resource=e.resource,
                    status=e.status,
                    message=e.message,
                    evidence=e.evidence,
                    hds_activities=e.hds_activities,
                    iso27001=e.iso27001,
                    started_at=moment,
                    duration_ms=0.0,
                    plugin=PLUGIN,
                    plugin_version=__version__,
                )
            )
        store.flush()
        status = RunStatus.recorded
    finally:
        counts: dict[str, int] = {}
        for e in entries:
            counts[str(e.status)] = counts.get(str(e.status), 0) + 1
        store.finish_run(run_id, status, moment, counts if status == RunStatus.recorded else {})
    return run_id


def seal_pending(store: EvidenceStore, key: Any) -> list[str]:
    """Seal every governance run still unsealed (the waiver records a sweep made before it ran,
    attestations recorded without a key): a pinned `evidence verify` wants every run sealed."""
    from controlplane.evidence import seal_run

    sealed = []
    for run in store.list_runs(10_000_000):
        if run.status == RunStatus.recorded and (run.filters or {}).get("kind") and not store.seals(run_id=run.run_id):
            seal_run(store, run.run_id, key)
            sealed.append(run.run_id)
    return sealed
