"""`hdsctl config validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from controlplane.cli.output import emit_json
from controlplane.errors import InputError


@click.group()
def config() -> None:
    """The fleet file (hds.yaml): validate it, or export its JSON Schema for editors."""


@config.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(file: Path, fmt: str) -> None:
    """Report every problem in FILE (file, field path, reason). Exit code 2 if any."""
    from controlplane.config import load_fleet
    from controlplane.runner import load_environment

    registry, catalog = load_environment()
    try:
        fleet = load_fleet(file, registry.target_kinds, catalog)
        from controlplane.governance.clock import now
        from controlplane.governance.waivers import load_waivers

        waivers = load_waivers(file, fleet, catalog, now().date())  # waivers.yaml beside FILE, if any
    except InputError as exc:
        if fmt == "json":
            emit_json({"valid": False, "problems": [p.__dict__ for p in exc.problems]})
        else:
            for p in exc.problems:
                click.echo(str(p), err=True)
        raise SystemExit(2) from None
    targets = sum(len(v) for t in fleet.tenants for v in t.targets.values())
    if fmt == "json":
        emit_json({"valid": True, "tenants": len(fleet.tenants), "targets": targets, "waivers": len(waivers)})
    else:
        waived = f", {len(waivers)} waivers" if waivers else ""
        click.echo(f"{file}: valid ({len(fleet.tenants)} tenants, {targets} targets{waived})")


@config.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of hds.yaml, including every installed plugin's target types."""
    from controlplane.config import fleet_json_schema
    from controlplane.plugins import build_registry

    text = json.dumps(fleet_json_schema(build_registry().target_kinds), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
