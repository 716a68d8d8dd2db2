"""The report of one tenant's run, as one JSON-ready document every format renders from.

The document is built from the tenant's own results only: run metadata that describes the whole
fleet (its tenant list, filters, planned and total counts) is left out, so a report for tenant A
can never name or size tenant B. Its shape is the stable JSON API (`format: hds-report/1`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from controlplane import __version__
from controlplane.catalog import Catalog, ControlKind
from controlplane.drift import tenant_drift
from controlplane.errors import InputError
from controlplane.evidence.verify import verify_tenant
from controlplane.results import SHARED_PLATFORM_KEY, STATUS_ORDER
from controlplane.severity import at_least
from controlplane.store import EvidenceStore

REPORT_FORMAT = "hds-report/1"
TREND_CATEGORIES = ("new_failures", "fixed", "still_failing", "unverified")


@dataclass(frozen=True)
class TenantInfo:
    """What the fleet file says of the tenant (the store keeps only its id)."""

    name: str
    activities: tuple[int, ...]


def _counts(statuses: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return counts


def _finding(rec: dict[str, Any], catalog: Catalog, lang: str) -> dict[str, Any]:
    control = catalog.controls.get(rec["control"])
    return {
        "anchor": f"f-{rec['seq']}",
        "seq": rec["seq"],
        "control": rec["control"],
        "title": control.title.get(lang) if control else rec["control"],
        "severity": str(control.severity) if control else None,
        "check": rec["check"],
        "target_kind": rec["target_kind"],
        "target": rec["target"],
        "resource": rec["resource"],
        "status": rec["status"],
        "message": rec["message"],
        "evidence": rec["evidence"],
        "remediation": control.remediation.get(lang) if control else None,
        "hds_activities": rec["hds_activities"],
        "iso27001": rec["iso27001"],
        "started_at": rec["started_at"],
        "duration_ms": rec["duration_ms"],
        "plugin": rec["plugin"],
        "plugin_version": rec["plugin_version"],
        "record_hash": rec["record_hash"],
    }


def _activities(
    findings: Sequence[dict[str, Any]], catalog: Catalog, contracted: set[int] | None, lang: str
) -> list[dict[str, Any]]:
    rows = []
    for number, activity in sorted(catalog.activities.items()):
        mine = [f for f in findings if number in f["hds_activities"]]
        if contracted is not None:
            is_contracted: bool | None = number in contracted
        else:
            is_contracted = True if mine else None  # the store alone cannot tell "no" from "no control"
        rows.append(
            {
                "number": number,
                "title": activity.title.get(lang),
                "contracted": is_contracted,
                "controls": sorted({f["control"] for f in mine}),
                "counts": _counts(f["status"] for f in mine),
            }
        )
    return rows


def _iso_status(mapped: Sequence[Any], findings: Sequence[dict[str, Any]]) -> str:
    """An Annex A control is compliant only when every catalog control mapped to it that applies
    (automated and attested) has a finding and none of them failed (issue 16)."""
    statuses = {f["status"] for f in findings}
    if "fail" in statuses:
        return "non_compliant"
    if "error" in statuses:
        return "error"
    judged = {f["control"] for f in findings if f["status"] == "pass"}
    unjudged = [c for c in mapped if c.id not in judged and not any(f["control"] == c.id for f in findings)]
    if not unjudged and judged:
        return "compliant"
    if any(c.kind is ControlKind.attested for c in unjudged):
        return "attestation_required"
    return "not_assessed" if unjudged or not judged else "compliant"


def _iso_table(
    findings: Sequence[dict[str, Any]], catalog: Catalog, contracted: set[int] | None, lang: str = "fr"
) -> list[dict[str, Any]]:
    """Statement-of-Applicability view of Annex A: every control, with what this run shows."""
    rows = []
    for iso in catalog.iso_controls.values():
        mapped = [c for c in catalog.controls.values() if iso.id in c.iso27001]
        mine = [f for f in findings if iso.id in f["iso27001"]]
        applying = [c for c in mapped if contracted is None or contracted & set(c.hds_activities)]
        if contracted is None:
            applying = [c for c in applying if any(f["control"] == c.id for f in mine)] or applying
        if not mapped:
            applicable, status = "unknown", "not_covered"
        elif not applying or (mine and all(f["status"] == "not_applicable" for f in mine)):
            applicable, status = "no", "not_applicable"
        else:
            applicable = "yes" if (mine or contracted is not None) else "unknown"
            status = _iso_status(applying, mine)
        rows.append(
            {
                "id": iso.id,
                "title": iso.title_for(lang),
                "theme": iso.theme,
                "controls": [c.id for c in mapped],
                "applicable": applicable,
                "status": status,
                "findings": [f["anchor"] for f in mine],
                "waived": sum(1 for f in mine if isinstance((f.get("evidence") or {}).get("waiver"), dict)),
            }
        )
    return rows


def _hds_table(
    findings: Sequence[dict[str, Any]], catalog: Catalog, contracted: set[int] | None, lang: str
) -> list[dict[str, Any]]:
    """HDS v2 coverage: each requirement (EXI) with the controls of this run evidencing it and the
    same rule as Annex A (satisfied only when every applicable mapped control is)."""
    rows = []
    for req in catalog.hds_requirements.values():
        mapped = [c for c in catalog.controls.values() if req.id in c.hds_v2]
        applying = [c for c in mapped if contracted is None or contracted & set(c.hds_activities)]
        ids = {c.id for c in applying}
        mine = [f for f in findings if f["control"] in ids]
        if contracted is None:
            applying = [c for c in applying if any(f["control"] == c.id for f in mine)]
        status = _iso_status(applying, mine) if applying else "not_applicable"
        rows.append(
            {
                "id": req.id,
                "title": req.title.get(lang),
                "verified": req.verified,
                "controls": sorted({f["control"] for f in mine}),
                "status": status,
            }
        )
    return rows


def _trend(
    store: EvidenceStore,
    catalog: Catalog,
    tenant: str,
    run_id: str,
    findings: Sequence[dict[str, Any]],
    lang: str,
    min_severity: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """The drift of this run against the last observed state of each finding, classified by the
    very function `hdsctl run` prints (controlplane.drift.tenant_drift): an error run in between
    neither hides nor fixes a failure. Links point to this report's findings."""
    drift = tenant_drift(store, run_id, tenant)
    anchors = {(f["control"], f["target"], f["resource"]): f["anchor"] for f in findings}

    def described(control_id: str) -> tuple[str, str | None]:
        control = catalog.controls.get(control_id)
        return (control.title.get(lang), str(control.severity)) if control else (control_id, None)

    trend: dict[str, list[dict[str, Any]]] = {}
    for category in TREND_CATEGORIES:
        rows = []
        for item in getattr(drift, category):
            title, severity = described(item.control)
            if not at_least(severity, min_severity):
                continue
            rows.append(
                {
                    "control": item.control,
                    "title": title,
                    "severity": severity,
                    "target": item.target,
                    "resource": item.resource,
                    "status_before": item.previous_status,
                    "status_now": item.status,
                    "anchor": anchors.get((item.control, item.target, item.resource)),
                }
            )
        trend[category] = rows
    return trend


def _integrity(store: EvidenceStore, tenant: str, run_id: str) -> dict[str, Any]:
    check = verify_tenant(store, tenant, run_id)
    seal = next(iter(store.seals(tenant, run_id)), None)
    return {
        "verdict": check.verdict,  # sealed | unsealed | tampered, as `hdsctl evidence verify` says
        "chain_ok": check.ok,
        "records_checked": check.records,
        "sealed": seal is not None,
        "seal_key_id": seal["key_id"] if seal else None,
        "sealed_at": seal["sealed_at"] if seal else None,
        "problems": [p.message for p in check.problems],
    }


def _platform(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shared groups (`platform:` in hds.yaml) whose targets this tenant's results come from,
    read from the results themselves: a report can only name the groups serving its tenant."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        group = (f.get("evidence") or {}).get(SHARED_PLATFORM_KEY)
        if isinstance(group, str) and group:
            groups.setdefault(group, []).append(f)
    return [
        {
            "id": group,
            "targets": sorted({f["target"] for f in mine}),
            "counts": _counts(f["status"] for f in mine),
        }
        for group, mine in sorted(groups.items())
    ]


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "tool_version": run.tool_version,
        "catalog_digest": run.catalog_digest,
    }


def build_report(
    store: EvidenceStore,
    catalog: Catalog,
    tenant: str,
    run_id: str | None = None,
    info: TenantInfo | None = None,
    lang: str = "fr",
    generated_at: str | None = None,
    min_severity: str | None = None,
) -> dict[str, Any]:
    """The report document of `tenant` for `run_id` (default: the tenant's latest run).

    `min_severity` narrows the findings, counts, activity matrix and trend to controls of that
    severity or higher; the Annex A table keeps its statuses from every finding (a view filter
    does not change what the run shows of a control) and links only to the findings shown."""
    if run_id is None:
        from controlplane.governance.register import latest_sweep

        run = latest_sweep(store, tenant, completed=False)  # not an attestation or waiver run
        if run is None:
            raise InputError.single("--tenant", "", f"no run covers tenant {tenant!r} in the store")
    else:
        run = store.get_run(run_id)
        if run is None:
            raise InputError.single("--run", "", f"no run {run_id!r} in the store")
        if tenant not in run.tenants:
            raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
    every = [_finding(r, catalog, lang) for r in store.results(run.run_id, tenant)]
    findings = [f for f in every if at_least(f["severity"], min_severity)]
    prev_run = store.previous_run(tenant, run.run_id)
    contracted = set(info.activities) if info else None
    iso_table = _iso_table(every, catalog, contracted, lang)
    if min_severity is not None:
        shown = {f["anchor"] for f in findings}
        for row in iso_table:
            row["findings"] = [a for a in row["findings"] if a in shown]
    counts = _counts(f["status"] for f in findings)
    judged = counts["pass"] + counts["fail"] + counts["error"]
    return {
        "format": REPORT_FORMAT,
        "generated_at": generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "lang": lang,
        "tenant": {
            "id": tenant,
            "name": info.name if info else tenant,
            "activities": sorted(contracted) if contracted is not None else None,
        },
        "run": _run_json(run),
        "previous_run": {"run_id": prev_run.run_id, "started_at": prev_run.started_at} if prev_run else None,
        "filters": {"min_severity": min_severity},
        "summary": {
            "counts": counts,
            "waived": sum(
                1 for f in findings if f["status"] == "fail" and isinstance(f["evidence"].get("waiver"), dict)
            ),
            "total": len(findings),
            "compliance_rate": round(counts["pass"] / judged, 4) if judged else None,
        },
        "platform": _platform(every),
        "activities": _activities(findings, catalog, contracted, lang),
        "iso27001": iso_table,
        "hds_v2": _hds_table(every, catalog, contracted, lang),
        "findings": findings,
        "trend": _trend(store, catalog, tenant, run.run_id, findings, lang, min_severity) if prev_run else None,
        "integrity": _integrity(store, tenant, run.run_id),
        "governance": _governance(store, tenant),
    }


def _governance(store: EvidenceStore, tenant: str) -> dict[str, Any]:
    """The tenant's attestations and waivers as the register stands now (see governance)."""
    from controlplane.governance.clock import now
    from controlplane.governance.summary import governance_records

    return governance_records(store, [tenant], now())
