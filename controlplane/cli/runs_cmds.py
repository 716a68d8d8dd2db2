"""`hdsctl runs list|show`: past runs kept in the evidence store."""

from __future__ import annotations

from typing import Any

import click

from controlplane.cli.fix_first import SEVERITY_OPTION, print_fix_first
from controlplane.cli.options import LANG_OPTION, STORE_OPTION
from controlplane.cli.output import FORMAT_OPTION, emit_json, table
from controlplane.cli.run_output import CatalogView, print_findings, print_run
from controlplane.errors import InputError
from controlplane.results import STATUS_ORDER
from controlplane.store import describe_location


@click.group()
def runs() -> None:
    """Past runs kept in the evidence store."""


def _open_existing(store: str) -> Any:
    from controlplane.store import EvidenceStore

    return EvidenceStore.open(store, create=False)


@runs.command("list")
@STORE_OPTION
@click.option("--tenant", help="Only runs that covered this tenant.")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@FORMAT_OPTION
def list_runs(store: str, tenant: str | None, limit: int, fmt: str) -> None:
    """List recent runs, newest first. With --tenant, each run as that tenant saw it: its own
    counts, no other tenant's id and no fleet-wide figure."""
    with _open_existing(store) as s:
        if tenant is not None and tenant not in s.tenants():
            raise InputError.single("--tenant", "", f"no run in {describe_location(store)} covers tenant {tenant!r}")
        items = s.list_runs(limit, tenant)
        if tenant is not None:
            items = [_as_seen_by(r, tenant, s.status_counts(r.run_id, tenant)) for r in items]
    if fmt == "json":
        emit_json([{k: v for k, v in r.as_dict().items() if tenant is None or k != "planned"} for r in items])
        return
    table(
        None,
        ["Run", "Started", "Status", "Tenants", "Pass", "Fail", "Error", "N/A"],
        [
            [r.run_id, r.started_at, r.status, len(r.tenants), *((r.counts or {}).get(k, "-") for k in STATUS_ORDER)]
            for r in items
        ],
    )


def _as_seen_by(run: Any, tenant: str, counts: dict[str, int]) -> Any:
    from dataclasses import replace

    shown = [t for t in run.filters.get("tenants") or [] if t == tenant]
    return replace(
        run,
        tenants=[tenant],
        filters={**run.filters, "tenants": shown},
        counts={k: counts.get(k, 0) for k in STATUS_ORDER} if run.counts is not None else None,
    )


@runs.command("show")
@click.argument("run_id")
@STORE_OPTION
@click.option("--tenant", help="Only this tenant's results.")
@SEVERITY_OPTION
@LANG_OPTION
@FORMAT_OPTION
def show_run(run_id: str, store: str, tenant: str | None, min_severity: str | None, lang: str, fmt: str) -> None:
    """Show one run: summary per tenant and HDS activity, its failures (with their severity),
    errors grouped by cause and what to fix first; or every result with --format json."""
    from controlplane.cli.catalog_cmds import load_cli_catalog

    view = CatalogView.of(load_cli_catalog(), lang)
    with _open_existing(store) as s:
        code, fix_first = print_run(s, run_id, fmt, tenant, view=view, floor=min_severity)
        if fmt == "table":
            print_findings(s, run_id, tenant, view, min_severity)
            print_fix_first(fix_first, view.titles)
    raise SystemExit(code)
