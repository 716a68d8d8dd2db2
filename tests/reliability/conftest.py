"""Fixtures of the reliability suite: the test plugins installed as distributions for real
`hdsctl` subprocesses, the same plugins in-process, and a throw-away PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controlplane.plugins import PluginRegistry, build_registry
from tests.reliability import rel_plugin
from tests.reliability.harness import install_plugins, plugin_env
from tests.support import fault_plugin
from tests.support.postgres import PostgresServer, find_bindir


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_plugins(tmp_path_factory.mktemp("site"))


@pytest.fixture
def env(plugin_site: Path) -> dict[str, str]:
    """Environment for `hdsctl` subprocesses: the test plugins discoverable, no HDS_/OTEL_ leftovers."""
    return plugin_env(plugin_site)


@pytest.fixture
def rel_registry() -> Iterator[PluginRegistry]:
    """The built-in plugins plus the reliability and fault plugins, registered through the hooks."""
    fault_plugin.release.clear()
    rel_plugin.seen.clear()
    rel_plugin.hog_stopped.clear()
    yield build_registry(extra_plugins=[("rel", rel_plugin), ("faults", fault_plugin)])
    fault_plugin.release.set()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    with PostgresServer(bindir) as server:
        yield server
