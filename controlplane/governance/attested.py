"""Attested controls in every run: each applicable one gets a result from the attestation
register. A valid attestation is a pass with the attestation (and its record hash) as
evidence; none, or an expired one, is a failure whose `evidence.outcome` says `missing` or
`expired`. Never a pass without a valid attestation, never silently dropped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from controlplane import __version__
from controlplane.governance.attestations import Standing, standings
from controlplane.governance.clock import iso
from controlplane.planning import AttestedItem
from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore

CHECK = "governance.attestation"


def _evidence(s: Standing, required: str) -> tuple[Status, str, dict[str, Any]]:
    if s.record is None:
        return Status.failed, "missing: no attestation recorded", {"outcome": "missing", "evidence_required": required}
    ev = s.record["evidence"]
    summary = {
        "outcome": s.outcome,
        "attestation_run": s.record["run_id"],
        "attestation_record": s.record["record_hash"],
        "attested_by": ev["attested_by"],
        "valid_from": ev["valid_from"],
        "valid_until": ev["valid_until"],
        "scope": ev["scope"],
        "documents": [{"name": d["name"], "sha256": d["sha256"]} for d in ev["documents"]],
        "days_left": s.days_left,
    }
    until = ev["valid_until"][:10]
    if s.outcome == "expired":
        return Status.failed, f"expired: the attestation by {ev['attested_by']} expired on {until}", summary
    if s.outcome == "expiring":
        return (
            Status.passed,
            f"expiring: attested by {ev['attested_by']}, expires in {s.days_left} days ({until})",
            summary,
        )
    return Status.passed, f"attested by {ev['attested_by']} until {until}", summary


def attested_results(
    store: EvidenceStore, run_id: str, items: Iterable[AttestedItem], moment: datetime
) -> list[CheckResult]:
    items = list(items)
    if not items:
        return []
    tenants = {i.tenant.id for i in items}
    found = standings(store, tenants, moment, {i.planned.control.id for i in items})
    out = []
    started = iso(moment)
    for item in items:
        control = item.planned.control
        s = found.get((item.tenant.id, control.id)) or Standing(item.tenant.id, control.id, "missing", None, None)
        required = control.evidence_required.en if control.evidence_required else ""
        status, message, evidence = _evidence(s, required)
        out.append(
            CheckResult(
                run_id=run_id,
                tenant=item.tenant.id,
                control=control.id,
                check=CHECK,
                target_kind="attestation",
                target="",
                resource="",
                status=status,
                message=message,
                evidence=evidence,
                hds_activities=item.planned.activities,
                iso27001=control.iso27001,
                started_at=started,
                duration_ms=0.0,
                plugin="governance",
                plugin_version=__version__,
            )
        )
    return out


def outcome_of(result: dict[str, Any]) -> str:
    """The governance outcome of a stored result: missing/expired/expiring/valid for attested
    controls, `waived` for a waived failure, else the plain status."""
    ev = result.get("evidence") or {}
    if result.get("check") == CHECK and isinstance(ev, dict) and "outcome" in ev:
        return str(ev["outcome"])
    if result.get("status") == "fail" and isinstance(ev, dict) and isinstance(ev.get("waiver"), dict):
        return "waived"
    return str(result.get("status"))
