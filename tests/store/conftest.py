"""The store suite runs against both backends: SQLite in tmp_path and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresServer, find_bindir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    with PostgresServer(bindir) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty evidence store location of each kind (a fresh database per test)."""
    if request.param == "sqlite":
        return str(tmp_path / "evidence.sqlite")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database())
