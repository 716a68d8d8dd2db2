"""Fixtures for the backup plugin: a real PostgreSQL server (Debian's binaries, in a temp dir)
holding a source database, a restore role that is not superuser, and the local S3 server (moto's
ThreadedMotoServer over HTTP) with one account for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hds_backup.demo.local_postgres import LocalPostgres, find_bindir
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from tests.plugins.backup.helpers import SOURCE_SQL, BackupBucket, env_var, new_bucket, scratch_databases


def _require_postgres() -> Path:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    return bindir


@pytest.fixture(scope="session")
def pg() -> Iterator[LocalPostgres]:
    with LocalPostgres(_require_postgres()) as server:
        server.create_role("hds_restore")
        server.create_database("clinique")
        server.psql(SOURCE_SQL, "clinique")
        yield server


@pytest.fixture(scope="session")
def scratch_env(pg: LocalPostgres) -> str:
    """Name of a variable holding the scratch DSN (role hds_restore: LOGIN CREATEDB only)."""
    return env_var(pg.dsn("postgres", user="hds_restore"))


@pytest.fixture
def scratch_dir(tmp_path: Path) -> Path:
    return tmp_path / "scratch"


@pytest.fixture(autouse=True)
def _no_scratch_database_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that used the server leaves no scratch database behind (cleanup is the rule)."""
    yield
    if "pg" in request.fixturenames:
        server: LocalPostgres = request.getfixturevalue("pg")
        assert scratch_databases(server) == [], "a scratch database was left behind"


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalS3Endpoint]:
    with LocalS3Endpoint() as ep:
        yield ep


@pytest.fixture(scope="session")
def account(endpoint: LocalS3Endpoint) -> tuple[LocalCredentials, dict[str, dict[str, str]]]:
    creds = endpoint.new_account()
    refs = {
        "access_key_id": {"env": env_var(creds.access_key_id)},
        "secret_access_key": {"env": env_var(creds.secret_access_key)},
    }
    return creds, refs


@pytest.fixture
def locked_bucket(endpoint: LocalS3Endpoint, account: tuple[LocalCredentials, dict]) -> BackupBucket:
    """Versioned, Object Lock (COMPLIANCE, 35 days), AES256 by default, in eu-central-1."""
    creds, refs = account
    return new_bucket(endpoint, creds, refs, object_lock=("COMPLIANCE", 35))


@pytest.fixture
def plain_bucket(endpoint: LocalS3Endpoint, account: tuple[LocalCredentials, dict]) -> BackupBucket:
    """Unversioned, no Object Lock, no encryption, in eu-west-3 (beside the data)."""
    creds, refs = account
    return new_bucket(endpoint, creds, refs, region="eu-west-3", encryption="none", versioning=False)
