"""Live PostgreSQL configuration, read from real servers: one with TLS off and MD5 passwords, one
with TLS (a certificate from the local CA), SCRAM and connection logging, and a streaming replica
of it started with pg_basebackup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from controlplane.plugin_types import CollectContext
from controlplane.results import Status
from hds_backup.demo.local_postgres import LocalPostgres, find_bindir
from hds_postgresql import checks as pg_checks
from hds_postgresql.collect import PostgresSnapshot, collect_postgresql
from hds_postgresql.target import PostgresTarget
from hds_tls.demo.local_server import LocalCA
from tests.plugins.backup.helpers import check_ctx, env_var, only, tenant


@pytest.fixture(scope="module")
def weak() -> Iterator[LocalPostgres]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found")
    with LocalPostgres(bindir, settings={"password_encryption": "md5"}) as server:
        yield server


@pytest.fixture(scope="module")
def secure(tmp_path_factory) -> Iterator[tuple[LocalPostgres, LocalCA]]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found")
    ca = LocalCA(tmp_path_factory.mktemp("pg-ca"))
    cert = ca.issue("pg", ["127.0.0.1"])
    settings = {"password_encryption": "scram-sha-256", "log_connections": "on", "log_disconnections": "on"}
    with LocalPostgres(bindir, settings=settings, ssl_files=(cert.cert_path, cert.key_path)) as server:
        server.psql("CREATE ROLE monitor LOGIN IN ROLE pg_monitor")
        server.psql("CREATE ROLE curious LOGIN")
        yield server, ca


def _collect(dsn: str, **fields) -> tuple[PostgresSnapshot, PostgresTarget]:
    target = PostgresTarget.model_validate({"name": "base", "dsn": {"env": env_var(dsn)}, **fields})
    return collect_postgresql(target, CollectContext(tenant(), "base", 20)), target


def _all(snap: PostgresSnapshot, target: PostgresTarget, params: dict | None = None):
    ctx = check_ctx(target, params)
    return {
        "PG-01": only(pg_checks.ssl_enabled(snap, ctx)),
        "PG-02": only(pg_checks.password_encryption(snap, ctx)),
        "PG-03": only(pg_checks.connection_logging(snap, ctx)),
        "PG-04": only(pg_checks.streaming_replica(snap, ctx)),
    }


def test_weak_server_fails_tls_scram_and_logging(weak):
    snap, target = _collect(weak.dsn(), require_replica=True)
    found = _all(snap, target)
    assert found["PG-01"].status is Status.failed and found["PG-01"].evidence["ssl"] == "off"
    assert found["PG-02"].message == "password_encryption is md5, not scram-sha-256"
    assert found["PG-03"].status is Status.failed and found["PG-03"].message == "log_connections is off"
    assert found["PG-04"].message == "0 streaming replica(s) attached and replaying, 1 required"


def test_hardened_server_passes_over_a_verified_tls_connection(secure):
    server, ca = secure
    dsn = f"{server.dsn(user='monitor')} sslmode=verify-full sslrootcert={ca.ca_path}"
    snap, target = _collect(dsn)
    found = _all(snap, target, {"require_log_disconnections": True})
    assert [found[c].status for c in ("PG-01", "PG-02", "PG-03")] == [Status.passed] * 3
    assert found["PG-01"].evidence["checker_connection"]["ssl"] is True
    assert found["PG-02"].evidence == {"password_encryption": "scram-sha-256"}
    assert found["PG-04"].status is Status.not_applicable


def test_streaming_replica_is_seen_with_pg_monitor_and_not_without(secure):
    server, _ = secure
    standby = server.start_standby()
    try:
        from tests.plugins.backup.helpers import wait_for

        wait_for(lambda: server.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1")
        snap, target = _collect(server.dsn(user="monitor"), require_replica=True)
        replica = only(pg_checks.streaming_replica(snap, check_ctx(target)))
        assert replica.status is Status.passed and replica.evidence["streaming"] == 1
        assert replica.message == "1 streaming replica(s) attached and replaying"
        snap, target = _collect(server.dsn(user="curious"), require_replica=True)
        hidden = only(pg_checks.streaming_replica(snap, check_ctx(target)))
        assert hidden.status is Status.error and "grant it pg_monitor" in hidden.message
        snap, target = _collect(standby.dsn(user="monitor"), require_replica=True)
        assert snap.in_recovery is True
        assert only(pg_checks.streaming_replica(snap, check_ctx(target))).status is Status.failed
    finally:
        standby.stop()


def test_a_streaming_replica_that_does_not_replay_does_not_count(secure):
    """Replay paused on the standby (`pg_wal_replay_pause()`): it still receives WAL, state
    `streaming`, but what it would give on failover stops at its last replayed point."""
    from tests.plugins.backup.helpers import wait_for

    server, _ = secure
    standby = server.start_standby()
    try:
        wait_for(lambda: server.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1")
        standby.psql("SELECT pg_wal_replay_pause()")
        server.psql("CREATE TABLE IF NOT EXISTS t (a integer); INSERT INTO t SELECT generate_series(1, 1000)")
        wait_for(
            lambda: server.psql("SELECT count(*) FROM pg_stat_replication WHERE replay_lsn < write_lsn") == "1",
            what="the standby to receive WAL it does not replay",
        )
        snap, target = _collect(server.dsn(user="monitor"), require_replica=True)
        finding = only(pg_checks.streaming_replica(snap, check_ctx(target, {"max_replay_lag_bytes": 0})))
        assert finding.status is Status.failed
        assert finding.message.startswith("0 streaming replica(s) attached and replaying, 1 required (1 streaming")
        assert finding.evidence["streaming"] == 1 and finding.evidence["replaying"] == 0
    finally:
        standby.stop()


def test_unreachable_server_names_the_reference_never_the_dsn(weak):
    dsn = "host=127.0.0.1 port=1 user=monitor password=s3cr3t-pg-password dbname=postgres connect_timeout=2"
    target = PostgresTarget.model_validate({"name": "base", "dsn": {"env": env_var(dsn)}})
    with pytest.raises(ConnectionError) as caught:
        collect_postgresql(target, CollectContext(tenant(), "base", 5))
    message = str(caught.value)
    assert message.startswith(f"cannot connect with env:{target.dsn.env}")
    assert "s3cr3t-pg-password" not in message and dsn not in message


def test_dsn_with_unknown_parameter_is_refused_without_echoing_it():
    from hds_postgresql.api import ConnectionSettingsError, Conninfo

    with pytest.raises(ConnectionSettingsError) as caught:
        Conninfo.parse("host=db password=hunter2-secret fallback_application_name=x", "env:X")
    assert str(caught.value) == "env:X: unsupported connection parameter 'fallback_application_name'"
    with pytest.raises(ConnectionSettingsError) as caught:
        Conninfo.parse("host=db password='hunter2-secret", "env:X")
    assert "hunter2" not in str(caught.value)


def test_tls_on_but_clear_text_accepted_fails(tmp_path):
    """`ssl = on` with pg_hba.conf `host` lines: TLS is offered, not required."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found")
    ca = LocalCA(tmp_path / "ca")
    cert = ca.issue("pg", ["127.0.0.1"])
    with LocalPostgres(bindir, ssl_files=(cert.cert_path, cert.key_path), tls_only=False) as server:
        server.psql("CREATE ROLE monitor LOGIN PASSWORD 'm0n-s3cret' IN ROLE pg_monitor")
        dsn = f"{server.dsn(user='monitor')} password=m0n-s3cret sslmode=verify-full sslrootcert={ca.ca_path}"
        snap, target = _collect(dsn)
    finding = only(pg_checks.ssl_enabled(snap, check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message.startswith("TLS is on (ssl = on) but connections without TLS are accepted too")
    assert finding.evidence["plaintext_probe"]["accepted"] is True


def test_tls_required_by_pg_hba_passes_with_the_probe_refused(secure):
    server, ca = secure
    snap, target = _collect(f"{server.dsn(user='monitor')} sslmode=verify-full sslrootcert={ca.ca_path}")
    finding = only(pg_checks.ssl_enabled(snap, check_ctx(target)))
    assert finding.status is Status.passed
    assert finding.message == "the server offers TLS (ssl = on); connections without TLS are refused"
