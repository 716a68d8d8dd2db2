"""The exporters and inspectors the installed plugins provide, by target kind."""

from __future__ import annotations

import dataclasses

from controlplane.errors import PluginContractError
from controlplane.plugins import PluginRegistry, each_impl
from controlplane.reversibility.model import Reversibility


def reversibility_providers(registry: PluginRegistry) -> dict[str, Reversibility]:
    """target kind → its `Reversibility`. A kind no plugin provides, or provided twice, is a
    broken installation (refused, like a check id registered twice)."""
    found: dict[str, Reversibility] = {}
    for plugin, items in each_impl(registry.pm, "hds_reversibility"):
        for item in items:
            if not isinstance(item, Reversibility):
                raise PluginContractError(f"plugin {plugin!r}: hds_reversibility returned {type(item).__name__}")
            if item.target_kind not in registry.target_kinds:
                raise PluginContractError(f"plugin {plugin!r}: reversibility for unknown kind {item.target_kind!r}")
            if item.target_kind in found:
                raise PluginContractError(
                    f"plugin {plugin!r}: reversibility for {item.target_kind!r} already provided by "
                    f"{found[item.target_kind].plugin!r}"
                )
            found[item.target_kind] = dataclasses.replace(item, plugin=plugin)
    return found
