"""The governance records of some tenants as an auditor reads them: each current attestation
(signer, documents and their hashes, validity) and each recorded waiver (approver, expiry),
for the HTML report and the evidence document (preuves.html)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from controlplane.governance import register
from controlplane.governance.attestations import standings
from controlplane.governance.waivers import KIND as WAIVER
from controlplane.governance.waivers import Waiver
from controlplane.store import EvidenceStore


def governance_records(store: EvidenceStore, tenants: Sequence[str], moment: datetime) -> dict[str, Any]:
    attestations = []
    for (tenant, control), s in sorted(standings(store, tenants, moment).items()):
        ev = s.record["evidence"] if s.record else {}
        attestations.append(
            {
                "tenant": tenant,
                "control": control,
                "outcome": s.outcome,
                "attested_by": ev.get("attested_by"),
                "valid_from": ev.get("valid_from"),
                "valid_until": ev.get("valid_until"),
                "days_left": s.days_left,
                "scope": ev.get("scope"),
                "documents": [{"name": d["name"], "sha256": d["sha256"]} for d in ev.get("documents", [])],
                "record_hash": s.record["record_hash"] if s.record else None,
            }
        )
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in register.records(store, WAIVER, tenants):
        latest[(rec["tenant"], rec["evidence"]["waiver"]["id"])] = rec
    waivers = []
    for (tenant, wid), rec in sorted(latest.items()):
        w = Waiver.model_validate(rec["evidence"]["waiver"])
        waivers.append(
            {
                "id": wid,
                "tenant": tenant,
                "control": w.control,
                "target": w.target,
                "resource": w.resource,
                "justification": w.justification,
                "compensating_measure": w.compensating_measure,
                "requested_by": w.requested_by,
                "approved_by": w.approved_by,
                "approved_on": w.approved_on.isoformat(),
                "expires": w.expires.isoformat(),
                "risk_id": w.risk_id,
                "state": "current" if moment <= w.expires_at else "expired",
                "record_hash": rec["record_hash"],
            }
        )
    return {"attestations": attestations, "waivers": waivers}


def expiring_soon(
    store: EvidenceStore, tenants: Sequence[str], moment: datetime, within_days: int = 30
) -> list[tuple[str, str, str, str, str]] | None:
    """Attestations and waivers that stop being valid within `within_days` (or already have),
    as (kind, tenant, control, expires_on, reference), soonest first; None when the store holds
    no attestation or waiver at all (the fleet report then says none is recorded)."""
    records = governance_records(store, tenants, moment)
    recorded = [a for a in records["attestations"] if a["record_hash"]] + records["waivers"]
    if not recorded:
        return None
    items = []
    for a in records["attestations"]:
        if a["record_hash"] and a["valid_until"] and (a["days_left"] is None or a["days_left"] <= within_days):
            items.append(("attestation", a["tenant"], a["control"], str(a["valid_until"])[:10], a["record_hash"]))
    for w in records["waivers"]:
        days_left = (date.fromisoformat(w["expires"]) - moment.date()).days
        if days_left <= within_days:
            items.append(("waiver", w["tenant"], w["control"], w["expires"], w["id"]))
    return sorted(items, key=lambda i: (i[3], i[1], i[2]))
