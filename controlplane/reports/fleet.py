"""The fleet report for the management review (ISO 9001 9.3 / ISO/IEC 27001 9.3, "revue de
direction"): every tenant at once, from the last N completed runs.

- heat map: tenants x HDS activities, from each tenant's latest run in the window;
- trend: pass rate and open failures per activity, run by run;
- top failing controls across the fleet (severity weight × tenants affected, as `hdsctl run` ranks them);
- oldest open failures: since when each failure has been continuously observed;
- attestations and waivers expiring soon: passed in by the caller (`expiring`), "none recorded"
  until the store keeps them.

Built in one pass over the window's results, tenant by tenant (`reports.history`), so memory
holds the aggregates and one tenant's rows, never the fleet's results. Its shape is the JSON API
(`format: hds-fleet-report/1`).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from controlplane import __version__
from controlplane.catalog import Catalog
from controlplane.reports.history import Observation, recent_runs, tenant_histories
from controlplane.reports.model import TenantInfo
from controlplane.results import STATUS_ORDER
from controlplane.severity import SEVERITY_RANK, priority
from controlplane.store import EvidenceStore

FLEET_FORMAT = "hds-fleet-report/1"
TOP_CONTROLS = 20
OLDEST_FAILURES = 25


@dataclass(frozen=True)
class ExpiringItem:
    """An attestation or a waiver that stops being valid soon. The fleet report lists what it is
    given; the governance module (attestations, waivers) is the one that knows them."""

    kind: str
    """"attestation" or "waiver"."""
    tenant: str
    control: str
    expires_on: str
    """ISO 8601 date."""
    reference: str = ""


def _rate(counts: Mapping[str, int]) -> float | None:
    judged = counts.get("pass", 0) + counts.get("fail", 0) + counts.get("error", 0)
    return round(counts.get("pass", 0) / judged, 4) if judged else None


def _counts(counter: Mapping[str, int]) -> dict[str, int]:
    return {s: int(counter.get(s, 0)) for s in STATUS_ORDER}


@dataclass
class _OpenFailure:
    since: int
    failing_runs: int
    closed_before: bool
    """A pass or not-applicable of the same key precedes it in the window."""
    hidden_before: bool
    """An error immediately precedes it (no verdict in between): it may have begun under the error."""


def _open_failures(rows: list[Observation]) -> dict[tuple[str, str, str], _OpenFailure]:
    """Failures still open, each with the run since which it has been failing without
    interruption. The last *observed* state counts: an `error` hides nothing and fixes nothing
    (the failure stays open, unverified), a `pass` or `not_applicable` closes it. A failure whose
    resource is missing from a later run that judged the same control on the same target is
    closed (the resource is gone); runs that did not judge it (filtered, in error) change nothing."""
    state: dict[tuple[str, str, str], _OpenFailure] = {}
    closed: set[tuple[str, str, str]] = set()
    errored: set[tuple[str, str, str]] = set()
    last_seen: dict[tuple[str, str, str], int] = {}
    last_judged: dict[tuple[str, str], int] = {}
    for o in rows:  # oldest run first
        key = (o.control, o.target, o.resource)
        last_seen[key] = o.run
        if o.status != "error":
            last_judged[(o.control, o.target)] = o.run
        if o.status == "fail":
            current = state.get(key)
            if current is None:
                state[key] = _OpenFailure(o.run, 1, key in closed, key in errored)
            else:
                current.failing_runs += 1
            errored.discard(key)
        elif o.status in ("pass", "not_applicable"):
            state.pop(key, None)
            closed.add(key)
            errored.discard(key)
        elif key not in state:
            errored.add(key)
    return {k: v for k, v in state.items() if last_seen[k] >= last_judged[(k[0], k[1])]}


def _severity_of(catalog: Catalog, control: str) -> str | None:
    c = catalog.controls.get(control)
    return str(c.severity) if c else None


def build_fleet_report(
    store: EvidenceStore,
    catalog: Catalog,
    runs: int = 12,
    tenants: Mapping[str, TenantInfo] | None = None,
    lang: str = "fr",
    min_severity: str | None = None,
    expiring: Sequence[ExpiringItem] | None = None,
    generated_at: str | None = None,
) -> dict[str, Any]:
    """The fleet report document. `tenants` (from the fleet file) adds names, contracted
    activities and the tenants that have no result in the window. `expiring` is the list of
    attestations and waivers expiring soon, `None` when the store does not record them yet."""
    window, older_exist = recent_runs(store, runs)
    kept_severities = None
    if min_severity is not None:
        floor = SEVERITY_RANK[min_severity]
        kept_severities = {cid for cid, c in catalog.controls.items() if SEVERITY_RANK[str(c.severity)] >= floor}
    trend: list[list[Counter[str]]] = [[Counter() for _ in catalog.activities] for _ in window]
    activity_slot = {number: i for i, number in enumerate(sorted(catalog.activities))}
    tenants_per_run = [0] * len(window)
    heat: list[dict[str, Any]] = []
    control_tenants: Counter[str] = Counter()
    control_failures: Counter[str] = Counter()
    oldest: list[tuple[int, int, str, str, str, str, int, bool]] = []  # min-heap: the youngest kept on top
    open_total = 0
    fleet_counts: Counter[str] = Counter()
    for n, (tenant, rows) in enumerate(tenant_histories(store, window)):
        latest = rows[-1].run
        if kept_severities is not None:
            rows = [o for o in rows if o.control in kept_severities]  # the tenant stays listed
        for run in {o.run for o in rows}:
            tenants_per_run[run] += 1
        for o in rows:
            slots = trend[o.run]
            for a in o.activities:
                slot = activity_slot.get(a)
                if slot is not None:
                    slots[slot][o.status] += 1
        cells: dict[int, Counter[str]] = {a: Counter() for a in catalog.activities}
        for o in rows:
            if o.run == latest:
                fleet_counts[o.status] += 1
                for a in o.activities:
                    if a in cells:
                        cells[a][o.status] += 1
        open_failures = _open_failures(rows)
        open_total += len(open_failures)
        for control in {k[0] for k in open_failures}:
            control_tenants[control] += 1
        for (control, target, resource), failure in open_failures.items():
            control_failures[control] += 1
            exact = not failure.hidden_before and (failure.closed_before or not older_exist)
            item = (-failure.since, -n, tenant, control, target, resource, failure.failing_runs, exact)
            if len(oldest) < OLDEST_FAILURES:
                heapq.heappush(oldest, item)
            elif item > oldest[0]:
                heapq.heapreplace(oldest, item)
        heat.append(
            {
                "tenant": tenant,
                "run_id": window[latest].run_id,
                "cells": {str(a): _counts(c) for a, c in sorted(cells.items())},
                "open_failures": len(open_failures),
            }
        )
    heat = _with_fleet_file(heat, tenants, catalog)
    top = sorted(
        control_tenants,
        key=lambda c: (
            -priority(_severity_of(catalog, c), control_tenants[c]),
            -SEVERITY_RANK.get(_severity_of(catalog, c) or "", 0),
            c,
        ),
    )[:TOP_CONTROLS]
    return {
        "format": FLEET_FORMAT,
        "generated_at": generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "lang": lang,
        "filters": {"min_severity": min_severity, "runs": runs},
        "runs": [
            {"run_id": r.run_id, "started_at": r.started_at, "tenants": tenants_per_run[i]}
            for i, r in enumerate(window)
        ],
        "older_runs_exist": older_exist,
        "activities": [
            {"number": number, "title": a.title.get(lang)} for number, a in sorted(catalog.activities.items())
        ],
        "summary": {
            "tenants": len(heat),
            "tenants_with_open_failures": sum(1 for h in heat if h["open_failures"]),
            "tenants_without_results": sum(1 for h in heat if h["run_id"] is None),
            "open_failures": open_total,
            "counts": _counts(fleet_counts),
            "pass_rate": _rate(fleet_counts),
        },
        "heatmap": sorted(heat, key=lambda h: (-h["open_failures"], _heat_rate(h), h["tenant"])),
        "trend": [
            {
                "activity": number,
                "points": [
                    {
                        "run_id": window[i].run_id,
                        "pass_rate": _rate(trend[i][slot]),
                        "open_failures": trend[i][slot]["fail"],
                        "counts": _counts(trend[i][slot]),
                    }
                    for i in range(len(window))
                ],
            }
            for number, slot in sorted(activity_slot.items())
        ],
        "top_failing_controls": [
            {
                "control": c,
                "title": catalog.controls[c].title.get(lang) if c in catalog.controls else c,
                "severity": _severity_of(catalog, c),
                "tenants_affected": control_tenants[c],
                "open_failures": control_failures[c],
            }
            for c in top
        ],
        "oldest_open_failures": [_oldest_json(item, window, catalog, lang) for item in sorted(oldest, reverse=True)],
        "expiring": None if expiring is None else [asdict(e) for e in expiring],
    }


def _heat_rate(row: dict[str, Any]) -> float:
    total: Counter[str] = Counter()
    for cell in row["cells"].values():
        total.update(cell)
    rate = _rate(total)
    return 2.0 if rate is None else rate


def _with_fleet_file(
    heat: list[dict[str, Any]], tenants: Mapping[str, TenantInfo] | None, catalog: Catalog
) -> list[dict[str, Any]]:
    """Names and contracted activities from the fleet file; its tenants without any result in the
    window are listed too (a tenant nobody checks is what a review must see)."""
    for row in heat:
        info = tenants.get(row["tenant"]) if tenants else None
        row["name"] = info.name if info else row["tenant"]
        row["activities"] = sorted(info.activities) if info else None
    if tenants:
        seen = {row["tenant"] for row in heat}
        empty = {str(a): _counts({}) for a in sorted(catalog.activities)}
        for tid, info in sorted(tenants.items()):
            if tid not in seen:
                heat.append(
                    {
                        "tenant": tid,
                        "run_id": None,
                        "cells": empty,
                        "open_failures": 0,
                        "name": info.name,
                        "activities": sorted(info.activities),
                    }
                )
    return heat


def _oldest_json(
    item: tuple[int, int, str, str, str, str, int, bool],
    window: list[Any],
    catalog: Catalog,
    lang: str,
) -> dict[str, Any]:
    neg_since, _, tenant, control, target, resource, failing_runs, exact = item
    since = -neg_since
    c = catalog.controls.get(control)
    return {
        "tenant": tenant,
        "control": control,
        "title": c.title.get(lang) if c else control,
        "severity": str(c.severity) if c else None,
        "target": target,
        "resource": resource,
        "since_run": window[since].run_id,
        "since": window[since].started_at,
        "at_least": not exact,
        "failing_runs": failing_runs,
    }
