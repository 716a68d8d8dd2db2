"""A real PostgreSQL server logging to csvlog with log_connections: connections to the tenant's
database appear in its traces, connections to another tenant's database on the same server never;
jsonlog lines and hostile csvlog lines are read the same way."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from controlplane.traces.record import ReadStats, TraceWindow
from hds_postgresql.trace_config import PostgresTraceLogs
from hds_postgresql.traces import PostgresLogSource
from tests.support.postgres import PostgresServer, find_bindir

LOGGING = {
    "logging_collector": "on",
    "log_destination": "csvlog",
    "log_connections": "on",
    "log_timezone": "UTC",
}


@pytest.fixture(scope="module")
def logged_server() -> Iterator[tuple[PostgresServer, str, str]]:
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries not found")
    with PostgresServer(settings=LOGGING, tls_only=False) as pg:
        mine, other = pg.create_database("dossiers_a"), pg.create_database("dossiers_b")
        pg.create_role("soignant_a", "LOGIN")
        for db, user in ((mine, "soignant_a"), (mine, "soignant_a"), (other, "postgres")):
            subprocess.run(
                [pg.tool("psql"), "-h", pg.host, "-p", str(pg.port), "-U", user, "-d", db, "-c", "select 1"],
                env=pg.env(), check=True, capture_output=True, timeout=60,
            )  # fmt: skip
        yield pg, mine, other


def _read(pg: PostgresServer, databases: tuple[str, ...]) -> tuple[list, ReadStats]:
    settings = PostgresTraceLogs(files=(str(pg.data_dir / "log" / "*.csv"),), databases=databases)
    stats = ReadStats()
    return list(PostgresLogSource("base-dossiers", settings).read(TraceWindow(), stats)), stats


def test_connections_to_the_tenants_database_are_its_traces(logged_server):
    pg, mine, _other = logged_server
    records, stats = _read(pg, (mine,))
    tenant_users = [r for r in records if r.actor == "soignant_a"]
    assert len(tenant_users) == 2
    assert all(
        (r.action, r.result, r.resource, r.source_address)
        == ("connect", "success", f"postgresql://base-dossiers/{mine}/", "127.0.0.1")
        for r in tenant_users
    )
    assert all(r.resource.startswith(f"postgresql://base-dossiers/{mine}/") for r in records)
    assert stats.out_of_scope >= 1 and stats.malformed == 0


def test_another_databases_connections_never_appear(logged_server):
    pg, _mine, other = logged_server
    records, _ = _read(pg, (other,))
    assert records and all(r.resource == f"postgresql://base-dossiers/{other}/" for r in records)
    assert not any(r.actor == "soignant_a" for r in records)


def test_jsonlog_pgaudit_and_hostile_lines(tmp_path: Path):
    log = tmp_path / "pg.json"
    log.write_text(
        '{"timestamp":"2026-12-04 10:00:00.000 UTC","user":"dr.martin","dbname":"dossiers","remote_host":"10.0.0.5",'
        '"remote_port":51234,"error_severity":"LOG","message":"AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.patients,'
        'select * from patients,<not logged>"}\n'
        '{"timestamp":"2026-12-04 10:00:01.000 UTC","user":"x","dbname":"autre","error_severity":"LOG",'
        '"message":"connection authorized: user=x database=autre"}\n'
        '{"timestamp":"2026-12-04 10:00:02.000 CET","user":"y","dbname":"dossiers","message":"connection authorized: '
        'user=y database=dossiers"}\n'
        "\x1b[2J not json\n" + "z" * 5000 + "\n",
        encoding="utf-8",
    )
    settings = PostgresTraceLogs(files=(str(log),), format="jsonlog", databases=("dossiers",), max_line_bytes=1024)
    stats = ReadStats()
    (record,) = PostgresLogSource("pg", settings).read(TraceWindow(), stats)
    assert (record.actor, record.action, record.resource, record.source_address) == (
        "dr.martin", "READ SELECT", "postgresql://pg/dossiers/public.patients", "10.0.0.5"
    )  # fmt: skip
    assert (stats.out_of_scope, stats.malformed, stats.oversized) == (1, 2, 1)
