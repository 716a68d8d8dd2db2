"""Plugin discovery and the registry of target kinds and checks they provide."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from controlplane import hookspecs
from controlplane.errors import PluginContractError
from controlplane.plugin_types import CheckSpec, TargetKind


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    distribution: str
    target_kinds: tuple[str, ...]
    checks: tuple[str, ...]


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    target_kinds: dict[str, TargetKind] = field(default_factory=dict)
    checks: dict[str, CheckSpec] = field(default_factory=dict)
    catalog_files: list[Path] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    distributions: dict[str, str] = field(default_factory=dict)

    def version_of(self, plugin: str) -> str:
        return self.versions.get(plugin, "unknown")

    def infos(self) -> list[PluginInfo]:
        names = sorted({*self.versions, *(k.plugin for k in self.target_kinds.values())})
        return [
            PluginInfo(
                name=n,
                version=self.version_of(n),
                distribution=self.distributions.get(n, ""),
                target_kinds=tuple(sorted(k for k, v in self.target_kinds.items() if v.plugin == n)),
                checks=tuple(sorted(c for c, v in self.checks.items() if v.plugin == n)),
            )
            for n in names
        ]


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def each_impl(pm: pluggy.PluginManager, hook_name: str) -> Iterable[tuple[str, Any]]:
    """Call a hook implementation by implementation, so each result keeps its plugin's name."""
    hook = getattr(pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):  # registration order
        yield impl.plugin_name, impl.function() or []


def build_registry(load_entrypoints: bool = True, extra_plugins: Iterable[tuple[str, object]] = ()) -> PluginRegistry:
    """Discover plugins (entry points, then any given directly) and index what they provide."""
    pm = new_plugin_manager()
    if load_entrypoints:
        pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for name, plugin in extra_plugins:
        pm.register(plugin, name=name)
    reg = PluginRegistry(pm)
    for plugin, dist in pm.list_plugin_distinfo():
        name = pm.get_name(plugin) or ""
        reg.versions[name] = dist.version
        reg.distributions[name] = dist.project_name
    for name, plugin in pm.list_name_plugin():
        if name not in reg.versions:
            reg.versions[name] = str(getattr(plugin, "__version__", "unknown"))

    for plugin_name, kinds in each_impl(pm, "hds_target_kinds"):
        for kind in kinds:
            if kind.name in reg.target_kinds:
                raise PluginContractError(
                    f"plugin {plugin_name!r}: target kind {kind.name!r} already provided by "
                    f"{reg.target_kinds[kind.name].plugin!r}"
                )
            if "name" not in kind.model.model_fields:
                raise PluginContractError(f"plugin {plugin_name!r}: target model for {kind.name!r} has no 'name' field")
            reg.target_kinds[kind.name] = dataclasses.replace(kind, plugin=plugin_name)
    for plugin_name, checks in each_impl(pm, "hds_checks"):
        for check in checks:
            if check.id in reg.checks:
                raise PluginContractError(
                    f"plugin {plugin_name!r}: check {check.id!r} already provided by {reg.checks[check.id].plugin!r}"
                )
            if check.target_kind not in reg.target_kinds:
                raise PluginContractError(
                    f"plugin {plugin_name!r}: check {check.id!r} reads unknown target kind {check.target_kind!r}"
                )
            reg.checks[check.id] = dataclasses.replace(check, plugin=plugin_name)
    for _plugin_name, files in each_impl(pm, "hds_catalog_files"):
        reg.catalog_files.extend(Path(f) for f in files)
    return reg


OWN_DISTRIBUTION = "hds-controlplane"
"""The distribution of the core and the built-in plugins, whose controls are all in the built-in
catalog (they implement no `hds_catalog_files`: tests/core/test_plugin_catalogs.py holds them to it)."""


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def outside_catalog_files() -> list[Path]:
    """The control files that plugins add to the catalog, importing only the plugins of other
    distributions. Why: reading the catalog (`hdsctl controls list`, `show`) needs no check or
    collector, and importing the built-in plugins (TLS, S3, Kubernetes, backups) is half the
    command's start-up."""
    from importlib.metadata import entry_points

    outside = [
        ep
        for ep in entry_points(group=hookspecs.ENTRY_POINT_GROUP)
        if ep.dist is None or _normalized(ep.dist.name) != OWN_DISTRIBUTION
    ]
    if not outside:
        return []
    pm = new_plugin_manager()
    for ep in outside:
        if pm.get_plugin(ep.name) is None and not pm.is_blocked(ep.name):
            pm.register(ep.load(), name=ep.name)
    return [Path(f) for _name, files in each_impl(pm, "hds_catalog_files") for f in files]
