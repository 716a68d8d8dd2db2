"""Statement of applicability (déclaration d'applicabilité, HDS v2 EXI 08): the 93 ISO/IEC
27001:2022 Annex A controls, each applicable or excluded (with the justification declared in
`soa-exclusions.yaml` beside the fleet file), its implementation status from the evidence
(automated controls: latest sweep; attested ones: the attestation register), the HDS
activities concerned and the evidence records' hashes; then the HDS v2 requirements (EXI).

An Annex A control is `compliant` only when every catalog control mapped to it that applies in
the scope is satisfied (automated: judged and passing; attested: a valid attestation); a
control no catalog control covers is `to_justify` (the provider states how it is met)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from controlplane import __version__
from controlplane.catalog import Catalog, Control, ControlKind
from controlplane.config import Fleet, Tenant
from controlplane.errors import InputError, Problem
from controlplane.governance.attestations import standings
from controlplane.governance.clock import iso
from controlplane.governance.register import latest_sweep
from controlplane.store import EvidenceStore
from controlplane.validation import problems_from
from controlplane.yamlfile import load_yaml

EXCLUSIONS_FILE = "soa-exclusions.yaml"
SOA_FORMAT = "hds-soa/1"
MAX_LINKS = 20
"""Evidence record hashes listed per row (the count says how many there are)."""


class Exclusion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    control: str = Field(pattern=r"^A\.[5-8]\.[0-9]{1,2}$")
    justification: str = Field(min_length=10, max_length=2000)


class ExclusionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    exclusions: tuple[Exclusion, ...] = ()


def load_exclusions(config_path: Path, catalog: Catalog) -> dict[str, str]:
    """Annex A control → justification, from soa-exclusions.yaml beside the fleet file."""
    path = config_path.parent / EXCLUSIONS_FILE
    if not path.exists():
        return {}
    data = load_yaml(path, str(path))
    try:
        parsed = ExclusionsFile.model_validate(data or {})
    except ValidationError as exc:
        raise InputError(problems_from(exc, str(path))) from None
    problems = [
        Problem(str(path), f"exclusions[{i}].control", f"unknown ISO 27001:2022 control {e.control!r}")
        for i, e in enumerate(parsed.exclusions)
        if e.control not in catalog.iso_controls
    ]
    if problems:
        raise InputError(problems)
    return {e.control: e.justification for e in parsed.exclusions}


@dataclass
class _State:
    """What the evidence says of one catalog control over the scope's tenants."""

    statuses: set[str]
    records: list[str]
    waived: int = 0


def _gather(
    store: EvidenceStore, catalog: Catalog, tenants: Sequence[Tenant], scope: set[int], moment: datetime
) -> dict[str, _State]:
    states: dict[str, _State] = {}
    attested = {c.id for c in catalog.attested()}
    for tenant in tenants:
        run = latest_sweep(store, tenant.id)
        if run is None:
            continue
        for r in store.results(run.run_id, tenant.id):
            if r["control"] in attested or not scope & set(r["hds_activities"]):
                continue
            st = states.setdefault(r["control"], _State(set(), []))
            st.statuses.add(r["status"])
            st.records.append(r["record_hash"])
            st.waived += r["status"] == "fail" and isinstance(r["evidence"].get("waiver"), dict)
    found = standings(store, [t.id for t in tenants], moment, attested)
    for tenant in tenants:
        for control in catalog.attested():
            if not set(control.hds_activities) & scope & set(tenant.activities):
                continue
            s = found.get((tenant.id, control.id))
            st = states.setdefault(control.id, _State(set(), []))
            st.statuses.add(s.outcome if s else "missing")
            if s and s.record:
                st.records.append(s.record["record_hash"])
    return states


def _control_status(control: Control, st: _State | None) -> str:
    if st is None or not st.statuses:
        return "not_assessed" if control.kind is ControlKind.automated else "missing"
    if control.kind is ControlKind.attested:
        for worst in ("missing", "expired"):
            if worst in st.statuses:
                return worst
        return "expiring" if "expiring" in st.statuses else "valid"
    if "fail" in st.statuses:
        return "fail"
    if "error" in st.statuses:
        return "error"
    return "pass" if "pass" in st.statuses else "not_applicable"


SATISFIED = {"pass", "valid", "expiring", "not_applicable"}


def _row_status(per_control: dict[str, str]) -> str:
    if not per_control:
        return "to_justify"
    values = set(per_control.values())
    if values <= SATISFIED and values - {"not_applicable"}:
        return "compliant"
    if values & {"fail", "error", "expired", "missing"}:
        return "non_compliant"
    return "not_assessed"


def build_soa(
    store: EvidenceStore,
    catalog: Catalog,
    fleet: Fleet,
    exclusions: dict[str, str],
    moment: datetime,
    tenant: str | None = None,
    activity: int | None = None,
    version: str = "1",
    approved_by: str | None = None,
    lang: str = "fr",
) -> dict[str, Any]:
    if tenant is not None and fleet.tenant(tenant) is None:
        raise InputError.single("--tenant", "", f"unknown tenant {tenant!r} in {fleet.path}")
    if activity is not None and activity not in catalog.activities:
        raise InputError.single("--activity", "", f"unknown HDS activity {activity} (1 to 6)")
    tenants = [t for t in fleet.tenants if tenant is None or t.id == tenant]
    contracted = {a for t in tenants for a in t.activities}
    scope = contracted & ({activity} if activity is not None else set(catalog.activities))
    states = _gather(store, catalog, tenants, scope, moment)
    controls = [c for c in catalog.controls.values() if set(c.hds_activities) & scope]

    def row_for(ref_ids: list[Control]) -> tuple[dict[str, str], list[int], list[str], int, int]:
        per = {c.id: _control_status(c, states.get(c.id)) for c in ref_ids}
        acts = sorted({a for c in ref_ids for a in c.hds_activities} & scope)
        records = [h for c in ref_ids for h in (states[c.id].records if c.id in states else [])]
        waived = sum(states[c.id].waived for c in ref_ids if c.id in states)
        return per, acts, records[:MAX_LINKS], len(records), waived

    annex = []
    for iso_control in catalog.iso_controls.values():
        mapped = [c for c in controls if iso_control.id in c.iso27001]
        per, acts, links, count, waived = row_for(mapped)
        excluded = exclusions.get(iso_control.id)
        annex.append(
            {
                "id": iso_control.id,
                "theme": iso_control.theme,
                "title": iso_control.title_for(lang),
                "applicable": excluded is None,
                "justification": excluded or "",
                "status": "excluded" if excluded else _row_status(per),
                "controls": per,
                "hds_activities": acts,
                "hds_v2": sorted({e for c in mapped for e in c.hds_v2}),
                "evidence_records": links,
                "evidence_count": count,
                "waived": waived,
            }
        )
    exi = []
    for req in catalog.hds_requirements.values():
        mapped = [c for c in controls if req.id in c.hds_v2]
        per, acts, links, count, waived = row_for(mapped)
        exi.append(
            {
                "id": req.id,
                "chapter": req.chapter,
                "title": req.title.get(lang),
                "summary": req.summary.get(lang),
                "verified": req.verified,
                "status": _row_status(per),
                "controls": per,
                "hds_activities": acts,
                "evidence_records": links,
                "evidence_count": count,
                "waived": waived,
            }
        )
    return {
        "format": SOA_FORMAT,
        "lang": lang,
        "version": version,
        "date": iso(moment),
        "approved_by": approved_by,
        "tool_version": __version__,
        "catalog_digest": catalog.digest,
        "scope": {
            "level": "tenant" if tenant else "host",
            "tenant": tenant,
            "tenant_name": tenants[0].name if tenant else None,
            "tenants": len(tenants),
            "activities": sorted(scope),
        },
        "annex_a": annex,
        "hds_v2": exi,
        "summary": {s: sum(r["status"] == s for r in annex) for s in STATUSES},
    }


STATUSES = ("compliant", "non_compliant", "not_assessed", "to_justify", "excluded")
