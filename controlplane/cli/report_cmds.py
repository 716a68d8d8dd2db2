"""`hdsctl report`: one tenant's run as HTML (auditors), JSON (API), OSCAL, JUnit or CSV; or, with
`--fleet`, the whole fleet over its last runs for the management review (HTML, CSV, JSON)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from controlplane.cli.options import STORE_OPTION
from controlplane.errors import InputError
from controlplane.severity import SEVERITIES

FORMATS = ("html", "json", "oscal", "junit", "csv")  # = controlplane.reports.FORMATS, kept import-free
FLEET_FORMATS = ("html", "csv", "json")
MAX_RUNS = 52  # = controlplane.reports.history.MAX_RUNS


def _fleet(config_path: Path, registry: Any, catalog: Any) -> Any:
    from controlplane.config import load_fleet

    return load_fleet(config_path, registry.target_kinds, catalog)


def _tenant_info(config_path: Path | None, tenant: str, registry: Any, catalog: Any) -> Any:
    """Name and contracted activities from the fleet file, when one is given and lists the tenant."""
    if config_path is None:
        return None
    from controlplane.reports import TenantInfo

    entry = _fleet(config_path, registry, catalog).tenant(tenant)
    if entry is None:
        click.echo(f"warning: {config_path} has no tenant {tenant!r}; activities inferred from the results", err=True)
        return None
    return TenantInfo(entry.name, tuple(entry.activities))


def _write(text: str, output: Path) -> None:
    """To the file, or stdout for `-`. On a terminal, control characters (what a hostile endpoint
    may have put in a name) are shown escaped, never interpreted."""
    if str(output) == "-":
        if sys.stdout.isatty():
            text = "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)
        click.echo(text, nl=False)
        return
    if not output.parent.is_dir():
        raise InputError.single("-o", "", f"directory {output.parent} does not exist")
    output.write_text(text, encoding="utf-8")


@click.command()
@STORE_OPTION
@click.option("--tenant", help="The tenant to report on (a report never holds another tenant's data).")
@click.option("--fleet", is_flag=True, help="Every tenant over the last runs, for the management review.")
@click.option("--run", "run_id", help="The run to report (default: the tenant's latest).")
@click.option(
    "--runs",
    "runs",
    type=click.IntRange(1, MAX_RUNS),
    default=12,
    show_default=True,
    help="--fleet: how many of the latest completed runs the trend covers.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True, help="--fleet: html, csv or json."
)
@click.option(
    "--severity", "min_severity", type=click.Choice(SEVERITIES), help="Only controls of this severity or higher."
)
@click.option(
    "-o",
    "--output",
    default="-",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, or - for stdout (default).",
)
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    envvar="HDS_LANG",
    default="fr",
    show_default=True,
    help="Language of the text (env HDS_LANG; French by default: reports are auditor documents).",
)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fleet file, for tenant names and contracted activities (default: inferred from the results); "
    "with --fleet, its tenants without results are listed too.",
)
def report(
    store: str,
    tenant: str | None,
    fleet: bool,
    run_id: str | None,
    runs: int,
    fmt: str,
    min_severity: str | None,
    output: Path,
    lang: str,
    config_path: Path | None,
) -> None:
    """Write a report of one tenant's run: html (self-contained, printable, French by default)
    with the HDS activity matrix, an ISO 27001 Annex A applicability table, every finding (fix
    first: failures, errors, then the rest, most severe first) with its evidence and remediation
    and the trend since the previous run; json (stable API); oscal (assessment-results); junit
    (CI); csv (spreadsheets).

    With --fleet: every tenant over the last --runs completed runs: tenants x HDS activities heat
    map, pass-rate and open-failure trend per activity (inline SVG), top failing controls, oldest
    open failures, attestations and waivers expiring soon."""
    if fleet == (tenant is not None):
        raise InputError.single("--tenant", "", "give either --tenant TENANT or --fleet")
    runs_given = click.get_current_context().get_parameter_source("runs") is not click.core.ParameterSource.DEFAULT
    if not fleet and runs_given:
        raise InputError.single("--runs", "", "--runs is for --fleet; a tenant report covers one run (--run)")
    if fleet and run_id is not None:
        raise InputError.single("--run", "", "--fleet covers the latest runs (--runs N), not one run")
    if fleet and fmt not in FLEET_FORMATS:
        raise InputError.single("--format", "", f"--fleet writes {', '.join(FLEET_FORMATS)}, not {fmt}")
    from controlplane.runner import load_environment
    from controlplane.store import EvidenceStore

    registry, catalog = load_environment()
    if fleet:
        from controlplane.reports import TenantInfo
        from controlplane.reports.fleet import build_fleet_report
        from controlplane.reports.fleet_render import render_fleet

        infos = None
        if config_path is not None:
            infos = {
                t.id: TenantInfo(t.name, tuple(t.activities)) for t in _fleet(config_path, registry, catalog).tenants
            }
        from controlplane.governance.clock import now
        from controlplane.governance.summary import expiring_soon
        from controlplane.reports.fleet import ExpiringItem

        with EvidenceStore.open(store, create=False) as s:
            soon = expiring_soon(s, s.tenants(), now())
            expiring = None if soon is None else [ExpiringItem(*item) for item in soon]
            document = build_fleet_report(s, catalog, runs, infos, lang, min_severity, expiring=expiring)
        _write(render_fleet(document, fmt), output)
        summary = document["summary"]
        click.echo(
            f"fleet {fmt} report over {len(document['runs'])} run(s): {output} ({summary['tenants']} tenants, "
            f"{summary['open_failures']} open failures in {summary['tenants_with_open_failures']} tenants)",
            err=True,
        )
        return
    from controlplane.reports import build_report, render

    assert tenant is not None
    info = _tenant_info(config_path, tenant, registry, catalog)
    with EvidenceStore.open(store, create=False) as s:
        document = build_report(s, catalog, tenant, run_id, info, lang, min_severity=min_severity)
    _write(render(document, fmt), output)
    counts = document["summary"]["counts"]
    click.echo(
        f"{fmt} report of {tenant}, run {document['run']['run_id']}: {output} "
        f"(pass {counts['pass']}, fail {counts['fail']}, error {counts['error']})",
        err=True,
    )
