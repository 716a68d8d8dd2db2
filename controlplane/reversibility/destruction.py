"""`hdsctl reversibility destroy-check`: after a tenant's data is deleted at contract end, ask every
plugin inspector what of the tenant remains on each of its targets, and record the answer in the
tenant's chain (a run of kind `destruction`): a pass when nothing remains, a failure listing what
does (Object Lock versions with their retain-until date). An inspector that fails or hangs makes
the check unable to say "destroyed": recorded as a failure naming why, never a pass.

The record is sealed with the host's key and exported as an evidence bundle the client verifies
offline (`controlplane.evidence`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from controlplane.catalog import Catalog
from controlplane.config import Fleet, Tenant
from controlplane.errors import InputError
from controlplane.governance.clock import iso
from controlplane.governance.records import Entry, record
from controlplane.plugins import PluginRegistry
from controlplane.results import Status
from controlplane.reversibility.guard import guarded
from controlplane.reversibility.model import Inspection, Reversibility
from controlplane.reversibility.providers import reversibility_providers
from controlplane.store import EvidenceStore

KIND = "destruction"
RECORD_CONTROL = "REV-02"
"""The control id the destruction records carry (evidence for EXI 27; not a catalog control: a
departed tenant is no longer swept)."""
MAX_LISTED = 500
"""Remains listed one by one in the record (all are counted)."""


@dataclass(frozen=True)
class DestroyOutcome:
    tenant: str
    destroyed: bool
    evidence: dict[str, Any]
    remains: tuple[dict[str, Any], ...]
    errors: tuple[str, ...]


def plan(registry: PluginRegistry, fleet: Fleet, tenant_id: str) -> tuple[Tenant, list[tuple[Reversibility, Any]]]:
    tenant = fleet.tenant(tenant_id)
    if tenant is None:
        raise InputError.single("--tenant", "", f"unknown tenant {tenant_id!r} in {fleet.path}")
    providers = {k: v for k, v in reversibility_providers(registry).items() if v.inspect is not None}
    work = [(providers[kind], t) for kind, targets in tenant.targets.items() if kind in providers for t in targets]
    if not work:
        kinds = ", ".join(sorted(providers)) or "none installed"
        raise InputError.single(
            fleet.path, f"tenants[{tenant_id}].targets", f"no target an inspector handles ({kinds})"
        )
    return tenant, work


def inspect_all(tenant: Tenant, work: list[tuple[Reversibility, Any]], timeout_s: float) -> DestroyOutcome:
    deadline = time.monotonic() + timeout_s
    remains: list[dict[str, Any]] = []
    errors: list[str] = []
    targets = []
    for provider, target in work:
        assert provider.inspect is not None
        what = f"{provider.target_kind}/{target.name}"
        got = guarded(provider.inspect, (target, tenant.view(), deadline), deadline, f"inspection of {what}")
        if isinstance(got, str):
            got = Inspection(str(target.name), (), (), error=got)
        remains += [{"target": what, **r.as_dict()} for r in got.remains]
        if got.error:
            errors.append(f"{what}: {got.error}")
        targets.append(
            {"target": what, "remains": len(got.remains), "checked": list(got.checked), "error": got.error or None}
        )
    locked = [r for r in remains if r.get("retain_until")]
    destroyed = not remains and not errors
    evidence = {
        "destroyed": destroyed,
        "remain_count": len(remains),
        "remains": remains[:MAX_LISTED],
        "locked": [{"location": r["location"], "retain_until": r["retain_until"]} for r in locked[:MAX_LISTED]],
        "locked_count": len(locked),
        "errors": errors,
        "targets": targets,
    }
    return DestroyOutcome(tenant.id, destroyed, evidence, tuple(remains), tuple(errors))


def record_destruction(
    store: EvidenceStore, catalog: Catalog, fleet: Fleet, tenant: Tenant, outcome: DestroyOutcome, moment: datetime
) -> str:
    evidence = {"checked_at": iso(moment), **outcome.evidence}
    if outcome.destroyed:
        message = "destroyed: nothing of the tenant remains on its targets"
    elif outcome.remains:
        first = outcome.remains[0]
        message = f"{len(outcome.remains)} remain(s), first: {first['kind']} {first['location']}"
    else:
        message = f"cannot prove the destruction: {outcome.errors[0]}"
    exi = catalog.controls.get("REV-01")
    entry = Entry(
        tenant=tenant.id,
        control=RECORD_CONTROL,
        target=KIND,
        resource="",
        message=message[:1000],
        evidence=evidence,
        hds_activities=tuple(a for a in exi.hds_activities if a in tenant.activities) if exi else (),
        iso27001=("A.8.10",),
        status=Status.passed if outcome.destroyed else Status.failed,
    )
    return record(store, KIND, [entry], {"tenants": [tenant.id]}, catalog.digest, fleet.digest, iso(moment))
