"""`hdsctl controls list|show`: read the catalog."""

from __future__ import annotations

from typing import Any

import click

from controlplane.catalog import Catalog, Control, load_catalog
from controlplane.cli.options import LANG_OPTION
from controlplane.cli.output import FORMAT_OPTION, echo, emit_json, table
from controlplane.errors import InputError


def load_cli_catalog() -> Catalog:
    # Plugins may add catalog files, but loading them costs imports; the catalog commands
    # only load plugins of other distributions (entry points are cheap to list).
    from controlplane.plugins import outside_catalog_files

    return load_catalog(outside_catalog_files())


def control_json(c: Control, catalog: Catalog, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.id,
        "kind": str(c.kind),
        "title": c.title.fr,
        "title_en": c.title.en,
        "plugin": c.plugin or (c.check.split(".", 1)[0] if c.check else None),
        "check": c.check,
        "severity": str(c.severity),
        "hds_activities": list(c.hds_activities),
        "iso27001": list(c.iso27001),
        "hds_v2": list(c.hds_v2),
    }
    if full:
        data.update(
            objective=c.objective.model_dump(),
            remediation=c.remediation.model_dump(),
            parameters=c.parameters,
            iso27001_2013={i: list(catalog.iso_controls[i].iso27001_2013 or []) for i in c.iso27001},
            iso27001_titles={
                i: {"fr": catalog.iso_controls[i].title_for("fr"), "en": catalog.iso_controls[i].title_for("en")}
                for i in c.iso27001
            },
            evidence_required=c.evidence_required.model_dump() if c.evidence_required else None,
            validity_days=c.validity_days,
        )
    return data


@click.group()
def controls() -> None:
    """The control catalog: what is checked, for which HDS activity and ISO control."""


@controls.command("list")
@FORMAT_OPTION
@click.option("--activity", type=click.IntRange(1, 6), multiple=True, help="Only controls for this HDS activity (1-6).")
@LANG_OPTION
@click.option(
    "--framework",
    type=click.Choice(["hds", "iso27001"]),
    default=None,
    help="List the requirements (HDS v2 EXI-01..31, ISO 27001:2022 Annex A) and the controls evidencing it.",
)
def list_controls(fmt: str, activity: tuple[int, ...], lang: str, framework: str | None) -> None:
    """List the controls of the catalog."""
    catalog = load_cli_catalog()
    if framework is not None:
        from controlplane.cli.framework_output import print_framework

        print_framework(catalog, framework, fmt, lang)
        return
    items = [c for c in catalog.controls.values() if not activity or set(activity) & set(c.hds_activities)]
    if fmt == "json":
        emit_json([control_json(c, catalog) for c in items])
        return
    table(
        None,
        ["ID", "Kind", "Severity", "HDS", "ISO 27001:2022", "Title"],
        [
            [c.id, c.kind, c.severity, ",".join(map(str, c.hds_activities)), ", ".join(c.iso27001), c.title.get(lang)]
            for c in items
        ],
        wrap=("Title",),
    )


@controls.command("show")
@click.argument("control_id")
@FORMAT_OPTION
@LANG_OPTION
def show_control(control_id: str, fmt: str, lang: str) -> None:
    """Show one control in full: objective, mapping, parameters, remediation."""
    catalog = load_cli_catalog()
    c = catalog.controls.get(control_id)
    if c is None:
        raise InputError.single("CONTROL_ID", "", f"unknown control {control_id!r}")
    if fmt == "json":
        emit_json(control_json(c, catalog, full=True))
        return
    echo(f"{c.id} — {c.title.get(lang)}")
    echo(f"  kind: {c.kind}   severity: {c.severity}   check: {c.check or '-'}")
    for n in c.hds_activities:
        echo(f"  HDS activity {n}: {catalog.activities[n].title.get(lang)}")
    for i in c.iso27001:
        iso = catalog.iso_controls[i]
        old = f" (2013: {', '.join(iso.iso27001_2013)})" if iso.iso27001_2013 else ""
        echo(f"  ISO 27001:2022 {i} {iso.title_for(lang)}{old}")
    echo(f"  objective: {c.objective.get(lang)}")
    if c.parameters:
        echo("  parameters: " + ", ".join(f"{k}={v}" for k, v in c.parameters.items()))
    if c.evidence_required:
        validity = f"valid {c.validity_days} days" if c.validity_days else f"judged from the {c.record!r} records"
        echo(f"  evidence required: {c.evidence_required.get(lang)} ({validity})")
    echo(f"  remediation: {c.remediation.get(lang)}")
