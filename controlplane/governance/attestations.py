"""Attestations: a named person vouches, with documents, that an attested control holds for
some tenants until a date. Recorded as evidence (see `records`); judged at each run (see
`attested`). The validity is the control's `validity_days` at most, never longer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from controlplane.catalog import Catalog, Control, ControlKind
from controlplane.config import Fleet, Tenant
from controlplane.errors import InputError
from controlplane.governance import documents, register
from controlplane.governance.clock import days_between, iso, parse_instant
from controlplane.governance.records import Entry, record
from controlplane.store import EvidenceStore

KIND = "attestation"
WARN_DAYS = 30
"""An attestation closer than this to its expiry is reported as expiring (still a pass)."""


@dataclass(frozen=True)
class Request:
    control: str
    tenants: tuple[str, ...] = ()
    all_tenants: bool = False
    site: str | None = None
    by: str = ""
    valid_until: str | None = None
    comment: str = ""


def covered_tenants(req: Request, fleet: Fleet, control: Control) -> tuple[list[Tenant], str]:
    """The tenants the attestation covers, and its scope (tenant | all | site)."""
    chosen = sum(bool(x) for x in (req.tenants, req.all_tenants, req.site))
    if chosen != 1:
        raise InputError.single("--tenant", "", "give exactly one of --tenant, --all-tenants or --site")
    if req.tenants:
        out = []
        for tid in req.tenants:
            tenant = fleet.tenant(tid)
            if tenant is None:
                raise InputError.single("--tenant", "", f"unknown tenant {tid!r} in {fleet.path}")
            if not set(tenant.activities) & set(control.hds_activities):
                raise InputError.single(
                    "--tenant", "", f"{control.id} does not apply to {tid!r} (activities {list(tenant.activities)})"
                )
            out.append(tenant)
        return out, "tenant"
    pool = list(fleet.tenants) if req.all_tenants else [t for t in fleet.tenants if req.site in t.sites]
    if req.site and not pool:
        raise InputError.single("--site", "", f"no tenant of {fleet.path} is hosted on site {req.site!r}")
    out = [t for t in pool if set(t.activities) & set(control.hds_activities)]
    if not out:
        option = "--all-tenants" if req.all_tenants else "--site"
        raise InputError.single(option, "", f"{control.id} applies to none of these tenants (HDS activities)")
    return out, "all" if req.all_tenants else "site"


def validity(req: Request, control: Control, moment: datetime) -> datetime:
    longest = moment + timedelta(days=control.validity_days or 0)
    if req.valid_until is None:
        return longest
    until = parse_instant(req.valid_until, "--valid-until", "")
    if until <= moment:
        raise InputError.single("--valid-until", "", f"{req.valid_until} is not in the future")
    if until > longest + timedelta(days=1):
        raise InputError.single(
            "--valid-until",
            "",
            f"{req.valid_until} is past the {control.validity_days}-day validity of {control.id} "
            f"(latest: {longest.date().isoformat()})",
        )
    return min(until, longest)


def check_request(
    catalog: Catalog, fleet: Fleet, req: Request, paths: Sequence[Path], moment: datetime
) -> tuple[Control, list[Tenant], str, datetime, list[tuple[Path, str, int]]]:
    """Everything about an attestation that can be wrong, checked before anything is written:
    the control, who attests, the tenants covered, the validity and the documents."""
    control = catalog.controls.get(req.control)
    if control is None:
        raise InputError.single("CONTROL", "", f"unknown control {req.control!r}")
    if control.kind is not ControlKind.attested:
        raise InputError.single("CONTROL", "", f"{control.id} is automated: its evidence comes from `hdsctl run`")
    if not req.by.strip():
        raise InputError.single("--by", "", "name who attests")
    tenants, scope = covered_tenants(req, fleet, control)
    until = validity(req, control, moment)
    return control, tenants, scope, until, documents.inspect(list(paths))


def attest(
    store: EvidenceStore,
    catalog: Catalog,
    fleet: Fleet,
    req: Request,
    paths: Sequence[Path],
    moment: datetime,
    folder: Path | None,
) -> tuple[str, list[str]]:
    """Validate everything, keep the documents, record one attestation per covered tenant.
    Returns the run id and the tenants covered. Bad input raises before anything is written."""
    control, tenants, scope, until, inspected = check_request(catalog, fleet, req, paths, moment)
    docs = documents.keep(inspected, folder)
    body = {
        "attested_by": req.by.strip(),
        "documents": docs,
        "valid_from": iso(moment),
        "valid_until": iso(until),
        "scope": scope,
        "site": req.site,
        "comment": req.comment,
    }
    entries = [
        Entry(
            tenant=t.id,
            control=control.id,
            target=KIND,
            resource=req.site or "",
            message=f"attested by {body['attested_by']} until {until.date().isoformat()}",
            evidence=body,
            hds_activities=tuple(a for a in control.hds_activities if a in t.activities),
            iso27001=control.iso27001,
        )
        for t in tenants
    ]
    filters = {"control": control.id, "scope": scope, "site": req.site, "tenants": [t.id for t in tenants]}
    run_id = record(store, KIND, entries, filters, catalog.digest, fleet.digest, iso(moment))
    return run_id, [t.id for t in tenants]


@dataclass(frozen=True)
class Standing:
    """Where one tenant stands on one attested control at a moment."""

    tenant: str
    control: str
    outcome: str  # valid | expiring | expired | missing
    days_left: int | None
    record: dict[str, Any] | None

    @property
    def satisfied(self) -> bool:
        return self.outcome in ("valid", "expiring")


def standing(tenant: str, control: str, recs: Iterable[dict[str, Any]], moment: datetime) -> Standing:
    """The best attestation among `recs` (this tenant's, for this control): the one valid the
    longest; none valid now → the latest expired one; none at all → missing."""
    best: dict[str, Any] | None = None
    best_until: datetime | None = None
    for rec in recs:
        ev = rec["evidence"]
        start = parse_instant(ev["valid_from"], "record", "valid_from")
        until = parse_instant(ev["valid_until"], "record", "valid_until")
        if start > moment:
            continue
        if best_until is None or until >= best_until:
            best, best_until = rec, until
    if best is None or best_until is None:
        return Standing(tenant, control, "missing", None, None)
    left = days_between(moment, best_until)
    if best_until < moment:
        return Standing(tenant, control, "expired", left, best)
    return Standing(tenant, control, "expiring" if left < WARN_DAYS else "valid", left, best)


def standings(
    store: EvidenceStore, tenants: Iterable[str], moment: datetime, controls: Iterable[str] | None = None
) -> dict[tuple[str, str], Standing]:
    """(tenant, control) → standing, for every attested record found (controls without any
    record for a tenant are absent: the caller knows which apply)."""
    wanted = set(controls) if controls is not None else None
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in register.records(store, KIND, tenants):
        if wanted is None or rec["control"] in wanted:
            grouped.setdefault((rec["tenant"], rec["control"]), []).append(rec)
    return {key: standing(key[0], key[1], recs, moment) for key, recs in grouped.items()}
