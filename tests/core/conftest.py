from __future__ import annotations

from collections.abc import Iterator

import pytest

from controlplane.plugins import PluginRegistry, build_registry
from tests.support import fault_plugin


@pytest.fixture
def fault_registry() -> Iterator[PluginRegistry]:
    """Only the fault plugin, registered through the hook contract (as an outside plugin)."""
    fault_plugin.release.clear()
    fault_plugin.attempts.clear()
    fault_plugin.collections.clear()
    yield build_registry(load_entrypoints=False, extra_plugins=[("faults", fault_plugin)])
    fault_plugin.release.set()  # let abandoned 'hanging' threads finish
