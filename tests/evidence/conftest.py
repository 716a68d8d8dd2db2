"""Evidence from a real sweep of a two-tenant fleet, sealed, copied per test before tampering."""

from __future__ import annotations

from pathlib import Path

import pytest

import hds_tls
from controlplane.plugins import build_registry
from tests.support.sweeps import SweptFleet, sweep_fleet


@pytest.fixture(scope="session")
def swept(tmp_path_factory: pytest.TempPathFactory) -> SweptFleet:
    registry = build_registry(load_entrypoints=False, extra_plugins=[("tls", hds_tls)])
    return sweep_fleet(tmp_path_factory.mktemp("swept"), registry)


@pytest.fixture
def store_copy(swept: SweptFleet, tmp_path: Path) -> Path:
    """A private copy of the swept SQLite store, safe to tamper with."""
    return swept.copy_store(tmp_path / "copy")
