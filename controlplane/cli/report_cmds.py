"""`hdsctl report`: one tenant's run as HTML (auditors), JSON (API), OSCAL, JUnit or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from controlplane.cli.options import STORE_OPTION
from controlplane.errors import InputError

FORMATS = ("html", "json", "oscal", "junit", "csv")  # = controlplane.reports.FORMATS, kept import-free


def _tenant_info(config_path: Path | None, tenant: str, registry: Any, catalog: Any) -> Any:
    """Name and contracted activities from the fleet file, when one is given and lists the tenant."""
    if config_path is None:
        return None
    from controlplane.config import load_fleet
    from controlplane.reports import TenantInfo

    entry = load_fleet(config_path, registry.target_kinds, catalog).tenant(tenant)
    if entry is None:
        click.echo(f"warning: {config_path} has no tenant {tenant!r}; activities inferred from the results", err=True)
        return None
    return TenantInfo(entry.name, tuple(entry.activities))


@click.command()
@STORE_OPTION
@click.option("--tenant", required=True, help="The tenant to report on (a report never holds another tenant's data).")
@click.option("--run", "run_id", help="The run to report (default: the tenant's latest).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write, or - for stdout.",
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the text.")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fleet file, for the tenant's name and contracted activities (default: inferred from the results).",
)
def report(
    store: str, tenant: str, run_id: str | None, fmt: str, output: Path, lang: str, config_path: Path | None
) -> None:
    """Write a report of one tenant's run: html (self-contained, printable, French by default)
    with the HDS activity matrix, an ISO 27001 Annex A applicability table, every finding with its
    evidence and remediation and the trend since the previous run; json (stable API); oscal
    (assessment-results); junit (CI); csv (spreadsheets)."""
    from controlplane.reports import build_report, render
    from controlplane.runner import load_environment
    from controlplane.store import EvidenceStore

    registry, catalog = load_environment()
    info = _tenant_info(config_path, tenant, registry, catalog)
    s = EvidenceStore.open(store, create=False)
    try:
        document = build_report(s, catalog, tenant, run_id, info, lang)
    finally:
        s.close()
    text = render(document, fmt)
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    if not output.parent.is_dir():
        raise InputError.single("-o", "", f"directory {output.parent} does not exist")
    output.write_text(text, encoding="utf-8")
    counts = document["summary"]["counts"]
    click.echo(
        f"{fmt} report of {tenant}, run {document['run']['run_id']}: {output} "
        f"(pass {counts['pass']}, fail {counts['fail']}, error {counts['error']})",
        err=True,
    )
