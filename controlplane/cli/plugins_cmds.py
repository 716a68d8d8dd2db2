"""`hdsctl plugins list`."""

from __future__ import annotations

import click

from controlplane.cli.output import FORMAT_OPTION, emit_json, table


@click.group()
def plugins() -> None:
    """Installed plugins (entry-point group `hds.plugins`)."""


@plugins.command("list")
@FORMAT_OPTION
def list_plugins(fmt: str) -> None:
    """Each plugin with its version, target kinds and checks."""
    from controlplane.plugins import build_registry

    infos = build_registry().infos()
    if fmt == "json":
        emit_json([i.__dict__ | {"target_kinds": list(i.target_kinds), "checks": list(i.checks)} for i in infos])
        return
    table(
        None,
        ["Plugin", "Version", "Distribution", "Targets", "Checks"],
        [[i.name, i.version, i.distribution, ", ".join(i.target_kinds), ", ".join(i.checks)] for i in infos],
    )
