"""The governance records of some tenants as an auditor reads them: each current attestation
(signer, documents and their hashes, validity) and each recorded waiver (approver, expiry),
for the HTML report and the evidence document (preuves.html)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
