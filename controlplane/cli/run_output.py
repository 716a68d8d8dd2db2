"""Printing a stored run: the summary per tenant and HDS activity (or every result as JSON), the
drift since each tenant's previous run, and tables of failures cut to a readable length."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from controlplane.cli.output import table
from controlplane.errors import InputError

STATUS_ORDER = ("pass", "fail", "error", "not_applicable")


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


def _counting(results: Iterator[dict[str, Any]], counts: dict[str, int]) -> Iterator[dict[str, Any]]:
    for r in results:
        counts[r["status"]] += 1
        yield r


def print_run(
    store: Any,
    run_id: str,
    fmt: str,
    tenant: str | None = None,
    location: str = "",
    extra: dict[str, Any] | None = None,
) -> int:
    """Print a stored run (summary table or JSON document); return the exit code it implies.
    `extra` adds top-level keys to the JSON document (the drift of a fresh run)."""
    from controlplane.runner import summarize

    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("RUN_ID", "", f"no run {run_id!r} in the store")
    tenants = [t for t in run.tenants if tenant is None or t == tenant]
    if tenant is not None and tenant not in run.tenants:
        raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
    counts = dict.fromkeys(STATUS_ORDER, 0)
    if fmt == "json":
        out = sys.stdout
        out.write(
            json.dumps(
                {
                    "run_id": run.run_id,
                    "status": run.status,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "store": location,
                    **(extra or {}),
                }
            )[:-1]
        )
        out.write(', "results": [')
        for n, r in enumerate(store.results(run_id, tenant)):
            counts[r["status"]] += 1
            out.write(("," if n else "") + "\n  " + json.dumps(r, ensure_ascii=False))
        out.write("\n], " + f'"counts": {json.dumps(counts)}}}\n')
        out.flush()
    else:
        summary = summarize(_counting(store.results(run_id, tenant), counts))
        table(
            f"Run {run.run_id} ({run.status}) — pass/fail/error per HDS activity",
            ["Tenant", *(f"HDS {n}" for n in range(1, 7))],
            _summary_rows(summary, tenants),
        )
        click.echo(" · ".join(f"{k}: {v}" for k, v in counts.items()))
        if location:
            click.echo(f"Evidence stored in {location} (run {run.run_id})")
    if run.status != "completed":
        return 1
    return 0 if counts["fail"] == 0 and counts["error"] == 0 else 1


def print_drift(report: Any) -> None:
    totals = {c: report.total(c) for c in ("new_failures", "fixed", "still_failing", "unverified")}
    first = [t.tenant for t in report.tenants if t.previous_run is None]
    click.echo(
        f"Since each tenant's previous run: {totals['new_failures']} new failures, {totals['fixed']} fixed, "
        f"{totals['still_failing']} still failing, {totals['unverified']} unverified"
        + (f" (first run for {len(first)} tenant{'s' if len(first) > 1 else ''})" if first else "")
    )
    rows = (
        [t.tenant, i.control, i.target, i.resource, i.status, i.message] for t in report.tenants for i in t.new_failures
    )
    failure_table("New failures", rows, f"`hdsctl runs show {report.run_id} --format json` lists every result")


def print_findings(store: Any, run_id: str, tenant: str | None) -> None:
    rows = (
        [r["tenant"], r["control"], r["target"], r["resource"], r["status"], r["message"]]
        for r in store.results(run_id, tenant)
        if r["status"] in ("fail", "error")
    )
    failure_table("Failures and errors", rows, "`--format json` lists them all")


MAX_TABLE_ROWS = 100
"""A first run of 10,000 tenants has tens of thousands of failures: a table is for reading, the
JSON output (and the store) for everything; rendering them all cost 67 MB and seconds."""


def failure_table(title: str, rows: Iterator[list[str]], hint: str) -> None:
    shown = list(itertools.islice(rows, MAX_TABLE_ROWS))
    if shown:
        table(title, ["Tenant", "Control", "Target", "Resource", "Status", "Message"], shown)
    more = sum(1 for _ in rows)
    if more:
        click.echo(f"… and {more} more ({hint})")
