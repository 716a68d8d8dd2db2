"""Printing a stored run: the summary per tenant and HDS activity (or every result as JSON), the
drift against each finding's last observed state, tables of failures cut to a readable length,
and what to fix first (see `fix_first`). Every string from the store is printed escaped."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from controlplane.cli.fix_first import FixFirst, at_least
from controlplane.cli.output import echo, json_dumps, table
from controlplane.errors import InputError
from controlplane.results import STATUS_ORDER, RunStatus

ACTIVITY_NOTE = (
    "Cells: pass/fail/error results per HDS activity; a result counts once in each activity it "
    "evidences, so the cells add up to more than the results."
)


@dataclass(frozen=True)
class CatalogView:
    """What the run printers need of the catalog: each control's severity and title in one language."""

    severities: Mapping[str, str]
    titles: Mapping[str, str]

    @classmethod
    def of(cls, catalog: Any, lang: str) -> CatalogView:
        controls = catalog.controls if catalog is not None else {}
        return cls(
            {cid: str(c.severity) for cid, c in controls.items()},
            {cid: c.title.get(lang) for cid, c in controls.items()},
        )


def _summary_rows(summary: dict[str, dict[int, dict[str, int]]], tenants: list[str]) -> list[list[str]]:
    rows = []
    for tenant in tenants:
        per = summary.get(tenant, {})
        cells = []
        for act in range(1, 7):
            c = per.get(act)
            cells.append(f"{c['pass']}/{c['fail']}/{c['error']}" if c else "-")
        rows.append([tenant, *cells])
    return rows


def _counting(results: Iterator[dict[str, Any]], counts: dict[str, int], agg: FixFirst) -> Iterator[dict[str, Any]]:
    for r in results:
        counts[r["status"]] += 1
        agg.add(r)
        yield r


def print_run(
    store: Any,
    run_id: str,
    fmt: str,
    tenant: str | None = None,
    location: str = "",
    extra: dict[str, Any] | None = None,
    *,
    view: CatalogView | None = None,
    floor: str | None = None,
) -> tuple[int, FixFirst]:
    """Print a stored run (summary table or JSON document); return the exit code it implies and
    the fix-first aggregates. `extra` adds top-level keys to the JSON document (the drift of a
    fresh run). `floor` (--severity) filters the listed results, never the counts or exit code."""
    from controlplane.runner import summarize

    view = view or CatalogView({}, {})
    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("RUN_ID", "", f"no run {run_id!r} in the store")
    tenants = [t for t in run.tenants if tenant is None or t == tenant]
    if tenant is not None and tenant not in run.tenants:
        raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
    counts = dict.fromkeys(STATUS_ORDER, 0)
    agg = FixFirst(view.severities, floor)
    if fmt == "json":
        head = {
            "run_id": run.run_id,
            "status": run.status,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "store": location,
            "severity_floor": floor,
            **(extra or {}),
        }
        out = sys.stdout
        out.write(json_dumps(head)[:-1])
        out.write(', "results": [')
        n = 0
        for r in _counting(store.results(run_id, tenant), counts, agg):
            severity = view.severities.get(r["control"])
            if not at_least(severity, floor):
                continue
            out.write(("," if n else "") + "\n  " + json_dumps({**r, "severity": severity}))
            n += 1
        out.write(f'\n], "counts": {json_dumps(counts)}, ' + json_dumps(agg.as_dict())[1:] + "\n")
        out.flush()
    else:
        summary = summarize(_counting(store.results(run_id, tenant), counts, agg))
        table(
            f"Run {run.run_id} ({run.status}) — pass/fail/error per HDS activity",
            ["Tenant", *(f"HDS {n}" for n in range(1, 7))],
            _summary_rows(summary, tenants),
            note=ACTIVITY_NOTE,
        )
        echo("Results: " + " · ".join(f"{k}: {v}" for k, v in counts.items()))
        if location:
            echo(f"Evidence stored in {location} (run {run.run_id})")
    if run.status != RunStatus.completed:
        return 1, agg
    return (0 if counts["fail"] == 0 and counts["error"] == 0 else 1), agg


def print_drift(report: Any, view: CatalogView | None = None, floor: str | None = None) -> None:
    view = view or CatalogView({}, {})
    totals = {c: report.total(c) for c in ("new_failures", "fixed", "still_failing", "unverified")}
    first = [t.tenant for t in report.tenants if t.previous_run is None]
    echo(
        f"Since each finding was last observed: {totals['new_failures']} new failures, {totals['fixed']} fixed, "
        f"{totals['still_failing']} still failing,"
    )
    echo(
        f"  {totals['unverified']} unverified (errors observe nothing)"
        + (f"; first run for {len(first)} tenant{'s' if len(first) > 1 else ''}" if first else "")
    )
    rows = (
        [t.tenant, i.control, view.severities.get(i.control, "-"), i.target, i.resource, i.status, i.message]
        for t in report.tenants
        for i in t.new_failures
        if at_least(view.severities.get(i.control), floor)
    )
    title = "New failures" + (f" (severity ≥ {floor})" if floor else "")
    failure_table(title, rows, f"`hdsctl runs show {report.run_id} --format json` lists every result")


def print_findings(store: Any, run_id: str, tenant: str | None, view: CatalogView, floor: str | None = None) -> None:
    """The failing results, one per row; errors are grouped by cause in the fix-first section."""
    rows = (
        [
            r["tenant"],
            r["control"],
            view.severities.get(r["control"], "-"),
            r["target"],
            r["resource"],
            r["status"],
            r["message"],
        ]
        for r in store.results(run_id, tenant)
        if r["status"] == "fail" and at_least(view.severities.get(r["control"]), floor)
    )
    title = "Failures" + (f" (severity ≥ {floor})" if floor else "")
    failure_table(title, rows, "`--format json` lists them all")


MAX_TABLE_ROWS = 100
"""A first run of 10,000 tenants has tens of thousands of failures: a table is for reading, the
JSON output (and the store) for everything; rendering them all cost 67 MB and seconds."""

FAILURE_HEADERS = ["Tenant", "Control", "Severity", "Target", "Resource", "Status", "Message"]


def failure_table(title: str, rows: Iterator[list[str]], hint: str) -> None:
    shown = list(itertools.islice(rows, MAX_TABLE_ROWS))
    if shown:
        table(title, FAILURE_HEADERS, shown, wrap=("Message",))
    more = sum(1 for _ in rows)
    if more:
        echo(f"… and {more} more ({hint})")
