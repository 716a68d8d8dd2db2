"""`hdsctl config validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from controlplane.cli.output import FORMAT_OPTION, echo, emit_json
from controlplane.errors import InputError


@click.group()
def config() -> None:
    """The fleet file (hds.yaml): validate it, or export its JSON Schema for editors."""


@config.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check-secrets",
    is_flag=True,
    help="Also resolve every secret reference ({env: …}, {file: …}) now, printing none of them, and list those "
    "that cannot be resolved (file: field: reason).",
)
@FORMAT_OPTION
def validate(file: Path, check_secrets: bool, fmt: str) -> None:
    """Report every problem in FILE (file, field path, reason). Exit code 2 if any."""
    from controlplane.config import load_fleet
    from controlplane.runner import load_environment

    registry, catalog = load_environment()
    checked: int | None = None
    try:
        fleet = load_fleet(file, registry.target_kinds, catalog)
        if check_secrets:
            from controlplane.config.secret_check import check_secrets as resolve_all

            checked, problems = resolve_all(fleet)
            if problems:
                raise InputError(problems)
        from controlplane.governance.clock import now
        from controlplane.governance.waivers import load_waivers

        waivers = load_waivers(file, fleet, catalog, now().date())  # waivers.yaml beside FILE, if any
    except InputError as exc:
        if fmt == "json":
            extra = {} if checked is None else {"secrets_checked": checked}
            emit_json({"valid": False, **extra, "problems": [p.__dict__ for p in exc.problems]})
        else:
            for p in exc.problems:
                click.echo(str(p), err=True)
        raise SystemExit(2) from None
    targets = sum(len(v) for t in fleet.tenants for v in t.targets.values())
    shared = sum(len(v) for g in fleet.platform for v in g.targets.values())
    if fmt == "json":
        extra: dict[str, object] = {} if checked is None else {"secrets_checked": checked}
        if fleet.platform:
            extra["shared_targets"] = shared
            extra["platform"] = [{"id": g.id, "serves": list(g.serves)} for g in fleet.platform]
        emit_json({"valid": True, "tenants": len(fleet.tenants), "targets": targets, "waivers": len(waivers), **extra})
    else:
        secrets = "" if checked is None else f", {checked} secret references resolved"
        waived = f", {len(waivers)} waivers" if waivers else ""
        n = len(fleet.platform)
        groups = f", {shared} shared targets in {n} platform group{'s' if n > 1 else ''}" if n else ""
        echo(f"{file}: valid ({len(fleet.tenants)} tenants, {targets} targets{groups}{waived}{secrets})")
        for g in fleet.platform:
            more = f" and {len(g.serves) - 5} more" if len(g.serves) > 5 else ""
            echo(f"  platform {g.id} serves {len(g.serves)} tenants: {', '.join(g.serves[:5])}{more}")


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
