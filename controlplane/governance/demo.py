"""What `hdsctl demo` vouches for: the compliant tenant's sites, hardware and governance
controls are attested (with small generated documents), so its table shows all six activities;
the other tenants are left without, as a new host would be."""

from __future__ import annotations

from pathlib import Path

from controlplane.catalog import Catalog, ControlKind
from controlplane.config import Fleet
from controlplane.governance.attestations import Request, attest
from controlplane.governance.clock import now
from controlplane.governance.documents import documents_dir
from controlplane.store import EvidenceStore

COMPLIANT = "clinique-sud"
SITE = "dc-paris-1"
SIGNER = "Claire Martin, RSSI de l'hébergeur (démo)"


def record_demo_attestations(catalog: Catalog, fleet: Fleet, store_location: str, workdir: Path) -> list[str]:
    """Attest every attested control for the compliant tenant: physical ones for its site,
    the others for the tenant. Returns the attestation run ids."""
    docs = workdir / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    store = EvidenceStore.open(store_location)
    moment = now()
    runs = []
    try:
        tenant = fleet.tenant(COMPLIANT)
        if tenant is None:
            return []
        for control in catalog.controls.values():
            if control.kind is not ControlKind.attested or not set(control.hds_activities) & set(tenant.activities):
                continue
            doc = docs / f"{control.id.lower()}-preuve.txt"
            required = control.evidence_required.fr if control.evidence_required else ""
            doc.write_text(f"Démo : preuve fournie pour {control.id} — {required}\n", encoding="utf-8")
            physical = set(control.hds_activities) <= {1, 2}
            request = (
                Request(control.id, site=SITE, by=SIGNER)
                if physical
                else Request(control.id, tenants=(COMPLIANT,), by=SIGNER, comment="enregistrée par hdsctl demo")
            )
            run_id, _ = attest(store, catalog, fleet, request, [doc], moment, documents_dir(store_location))
            runs.append(run_id)
    finally:
        store.close()
    return runs
