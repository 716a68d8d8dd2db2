"""Fixtures of the shared-platform suite: the reliability test plugin registered through the
hook contract, its record of what it saw cleared for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from controlplane.plugins import PluginRegistry, build_registry
from tests.reliability import rel_plugin


@pytest.fixture
def rel_registry() -> Iterator[PluginRegistry]:
    rel_plugin.seen.clear()
    yield build_registry(load_entrypoints=False, extra_plugins=[("rel", rel_plugin)])
