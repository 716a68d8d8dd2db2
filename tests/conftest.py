"""Shared fixtures. Subsystem fixtures live in the conftest.py of their own test folder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from controlplane.plugins import PluginRegistry, build_registry

# Property tests judge what the code does, never how fast a busy machine generates inputs or runs
# one example: no deadline, no "input generation is slow" health check (it failed CI under load).
settings.register_profile("hds", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hds")


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    """The installed plugins, discovered through the `hds.plugins` entry points."""
    return build_registry()


pytest_plugins = ["tests.support.tls_fixtures"]
