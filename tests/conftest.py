"""Shared fixtures. Subsystem fixtures live in the conftest.py of their own test folder."""

from __future__ import annotations

import pytest

from controlplane.plugins import PluginRegistry, build_registry


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    """The installed plugins, discovered through the `hds.plugins` entry points."""
    return build_registry()


pytest_plugins = ["tests.support.tls_fixtures"]
