"""The `hdsctl` subcommands plugins add through the `hds_commands` hook (e.g. `hdsctl backup`
from hds_backup), collected once per process and checked: a plugin may not shadow a core command
or another plugin's."""

from __future__ import annotations

from functools import cache

import click

from controlplane import hookspecs
from controlplane.errors import PluginContractError
from controlplane.plugins import each_impl, new_plugin_manager


@cache
def plugin_commands(core: frozenset[str]) -> dict[str, click.Command]:
    """Every command the installed plugins add, by name. `core`: the core's own command names."""
    pm = new_plugin_manager()
    pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    found: dict[str, click.Command] = {}
    owner: dict[str, str] = {}
    for plugin, commands in each_impl(pm, "hds_commands"):
        for command in commands:
            if not isinstance(command, click.Command) or not command.name:
                raise PluginContractError(f"plugin {plugin!r}: hds_commands returned {command!r}, not a named command")
            if command.name in core:
                raise PluginContractError(f"plugin {plugin!r}: command {command.name!r} is a core command")
            if command.name in found:
                raise PluginContractError(
                    f"plugin {plugin!r}: command {command.name!r} already provided by {owner[command.name]!r}"
                )
            found[command.name], owner[command.name] = command, plugin
    return found
