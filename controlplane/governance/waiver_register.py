"""Waivers as evidence: each waiver (its whole content) is appended to its tenant's chain the
first time it is seen with that content, by the run that applies it or by `hdsctl waive`; the
results a waiver covers then carry that record's hash. And the sink that marks them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from controlplane.catalog import Catalog
from controlplane.config import Fleet
from controlplane.governance import register
from controlplane.governance.clock import iso
from controlplane.governance.records import Entry, record
from controlplane.governance.waivers import KIND, Active, Waiver, mark
from controlplane.results import CheckResult
from controlplane.store import EvidenceStore


def _recorded(store: EvidenceStore, tenants: Iterable[str]) -> dict[tuple[str, str, str], str]:
    """(tenant, waiver id, content digest) → record hash, for every waiver record of `tenants`."""
    out: dict[tuple[str, str, str], str] = {}
    for rec in register.records(store, KIND, tenants):
        ev = rec["evidence"]
        out[(rec["tenant"], ev["waiver"]["id"], ev["digest"])] = rec["record_hash"]
    return out


def sync(
    store: EvidenceStore,
    waivers: Sequence[Waiver],
    catalog: Catalog,
    fleet: Fleet,
    moment: datetime,
    source: str,
) -> list[Active]:
    """Record the waivers not yet recorded with this exact content (one governance run), and
    return every waiver with the hash of its record."""
    if not waivers:
        return []
    known = _recorded(store, {w.tenant for w in waivers})
    new = [w for w in waivers if (w.tenant, w.id, w.digest()) not in known]
    if new:
        entries = []
        for w in new:
            control = catalog.controls[w.control]
            tenant = fleet.tenant(w.tenant)
            contracted = set(tenant.activities) if tenant else set()
            entries.append(
                Entry(
                    tenant=w.tenant,
                    control=w.control,
                    target=KIND,
                    resource=w.id,
                    message=f"waiver {w.id} approved by {w.approved_by} until {w.expires.isoformat()}",
                    evidence={"waiver": w.body(), "digest": w.digest(), "source": source},
                    hds_activities=tuple(a for a in control.hds_activities if a in contracted),
                    iso27001=control.iso27001,
                )
            )
        filters = {"source": source, "waivers": [w.id for w in new], "tenants": sorted({w.tenant for w in new})}
        record(store, KIND, entries, filters, catalog.digest, fleet.digest, iso(moment))
        known = _recorded(store, {w.tenant for w in waivers})
    return [Active(w, known[(w.tenant, w.id, w.digest())]) for w in waivers]


class WaivingSink:
    """Between the scheduler and the store: failures a current waiver covers are marked with it
    (status kept) before they are chained; everything else passes through unchanged."""

    def __init__(self, store: EvidenceStore, active: Sequence[Active], moment: datetime) -> None:
        self.store = store
        self.moment = moment
        self.by_key: dict[tuple[str, str], list[Active]] = {}
        for a in active:
            self.by_key.setdefault((a.waiver.tenant, a.waiver.control), []).append(a)

    def mark(self, result: CheckResult) -> CheckResult:
        candidates = self.by_key.get((result.tenant, result.control))
        return mark(result, candidates, self.moment) if candidates else result

    def add(self, result: CheckResult) -> None:
        self.store.add(self.mark(result))

    def flush(self) -> None:
        self.store.flush()
