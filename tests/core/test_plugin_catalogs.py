"""`hdsctl controls list` reads plugin catalogs without importing the built-in plugins: that
holds only while their controls live in the built-in catalog. These tests keep it so."""

from __future__ import annotations

from importlib.metadata import entry_points

from controlplane.hookspecs import ENTRY_POINT_GROUP
from controlplane.plugins import OWN_DISTRIBUTION, _normalized, build_registry, outside_catalog_files


def test_builtin_plugins_are_ours_and_add_no_catalog_file():
    ours = [
        ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.dist and _normalized(ep.dist.name) == OWN_DISTRIBUTION
    ]
    assert {ep.name for ep in ours} >= {"tls", "s3", "kubernetes", "backup", "postgresql"}
    registry = build_registry()
    implementers = {impl.plugin_name for impl in registry.pm.hook.hds_catalog_files.get_hookimpls()}
    assert not implementers & {ep.name for ep in ours}


def test_catalog_files_match_the_full_registry():
    assert outside_catalog_files() == build_registry().catalog_files
