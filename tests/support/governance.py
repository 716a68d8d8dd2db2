"""Record attestations in a test store: a run whose tenants are meant to be compliant needs
its attested controls (GOV-xx, K8S-15...) vouched for, as a host would with `hdsctl attest`."""

from __future__ import annotations

from pathlib import Path

from controlplane.catalog import ControlKind
from controlplane.config import load_fleet
from controlplane.governance.attestations import Request, attest
from controlplane.governance.clock import now
from controlplane.runner import load_environment
from controlplane.store import EvidenceStore


def attest_all(
    config: Path, store_path: Path | str, by: str = "RSSI de test", registry: object = None, skip: tuple[str, ...] = ()
) -> list[str]:
    """A valid attestation (full validity) of every attested control, for every tenant it
    applies to; returns the run ids."""
    registry, catalog = load_environment(registry)  # type: ignore[arg-type]
    fleet = load_fleet(config, registry.target_kinds, catalog)
    doc = Path(str(store_path) + ".attestation.txt")
    doc.write_text("document of the test attestation\n", encoding="utf-8")
    store = EvidenceStore.open(str(store_path))
    runs = []
    try:
        for control in catalog.controls.values():
            if control.kind is not ControlKind.attested or control.id in skip:
                continue
            if not any(set(t.activities) & set(control.hds_activities) for t in fleet.tenants):
                continue
            run_id, _ = attest(store, catalog, fleet, Request(control.id, all_tenants=True, by=by), [doc], now(), None)
            runs.append(run_id)
    finally:
        store.close()
    return runs
