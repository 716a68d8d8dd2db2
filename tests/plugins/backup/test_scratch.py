"""Scratch resources: removed after a failure, a timeout or an interruption; left behind by a
process killed with SIGKILL mid-restore and swept by the next run; never swept while their owner
lives. The mid-restore state is real: psql is running the dump and waits on an advisory lock the
test holds in the scratch database."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from controlplane.results import Status
from hds_backup import checks_restore
from hds_backup.demo.local_postgres import LocalPostgres
from hds_backup.manifest import BackupManifest
from hds_backup.pg_tools import Conninfo, connect
from hds_backup.restore import restore_test
from hds_backup.scratch import APP_PREFIX, scratch_database, scratch_dir, sweep_databases, sweep_dirs
from hds_backup.target import BackupSet
from tests.plugins.backup.helpers import (
    check_ctx,
    collect,
    env_var,
    only,
    pg_dump,
    pg_set,
    scratch_databases,
    scratch_dirs,
    source_manifest,
    wait_for,
)

LOCK = 4242
BLOCKING_SQL = f"CREATE TABLE t (a integer);\nSELECT pg_advisory_lock({LOCK});\nINSERT INTO t VALUES (1);\n".encode()
CHILD = Path(__file__).with_name("restore_child.py")


def _blocking_backup(tmp_path: Path) -> tuple[Path, BackupManifest]:
    artefact = tmp_path / "blocking.sql"
    artefact.write_bytes(BLOCKING_SQL)
    manifest = BackupManifest.model_validate(
        {
            "tool": "pg_dump",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "postgresql", "name": "t"},
            "artefact": {
                "name": artefact.name,
                "format": "pg_plain",
                "size": len(BLOCKING_SQL),
                "sha256": hashlib.sha256(BLOCKING_SQL).hexdigest(),
            },
            "digest_algorithm": "row-sha256-sum64/1",
            "tables": [],
        }
    )
    return artefact, manifest


def _waiting_on_lock(pg: LocalPostgres, database: str) -> bool:
    return (
        pg.psql(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            f"WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = '{database}'"
        )
        == "1"
    )


def _owner_gone(pg: LocalPostgres, database: str) -> bool:
    return pg.psql(f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{APP_PREFIX}{database}'") == "0"


@contextmanager
def _child_blocked_mid_restore(
    pg: LocalPostgres, scratch_env: str, scratch_dir: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], Path, str]]:
    """A child process whose psql is blocked mid-restore; yields (process, its scratch dir, its
    scratch database) with the test holding the lock."""
    artefact, manifest = _blocking_backup(tmp_path)
    manifest_path = tmp_path / "blocking.manifest.json"
    manifest_path.write_text(manifest.dumps())
    spec = {
        "set": pg_set("t", "pg/", "pg_plain", scratch_env, scratch_dir),
        "manifest": str(manifest_path),
        "artefact": str(artefact),
    }
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(spec)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lock = None
    try:
        assert proc.stdout is not None and proc.stdin is not None
        kind, directory = proc.stdout.readline().split()
        assert kind == "dir"
        kind, database = proc.stdout.readline().split()
        assert kind == "database"
        lock = psycopg.connect(pg.dsn(database, user="hds_restore"), autocommit=True)
        lock.execute("SELECT pg_advisory_lock(%s)", (LOCK,))
        proc.stdin.write("go\n")
        proc.stdin.flush()
        wait_for(lambda: _waiting_on_lock(pg, database), what="psql to block on the advisory lock")
        yield proc, Path(directory), database
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if lock is not None:
            with contextlib.suppress(psycopg.Error):
                lock.close()


def test_kill_9_mid_restore_leaves_scratch_that_the_next_run_sweeps(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path
):
    with _child_blocked_mid_restore(pg, scratch_env, scratch_dir, tmp_path) as (proc, directory, database):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert database in scratch_databases(pg)  # left behind: nothing ran after SIGKILL
        assert directory.is_dir() and (directory / "artefact").exists()
        wait_for(lambda: _owner_gone(pg, database), what="the server to end the killed owner's session")

        dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
        locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), source_manifest(pg, "clinique", dump, "pg_custom"))
        target = locked_bucket.target([pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir)])
        finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["swept_databases"] == [database]
    assert finding.evidence["swept_dirs"] == [directory.name]
    assert database not in scratch_databases(pg)
    assert not directory.exists()


def test_interrupted_restore_cleans_up_on_the_way_out(pg, scratch_env, scratch_dir, tmp_path):
    with _child_blocked_mid_restore(pg, scratch_env, scratch_dir, tmp_path) as (proc, directory, database):
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) != 0
        assert database not in scratch_databases(pg)
        assert not directory.exists()


def test_restore_past_its_deadline_is_stopped_and_cleaned_up(pg, scratch_env, scratch_dir, tmp_path):
    artefact, manifest = _blocking_backup(tmp_path)
    backup_set = BackupSet.model_validate(pg_set("t", "pg/", "pg_plain", scratch_env, scratch_dir))
    holders: list[psycopg.Connection] = []

    def hold_lock(kind: str, name: str) -> None:
        if kind == "database":
            holders.append(psycopg.connect(pg.dsn(name, user="hds_restore"), autocommit=True))
            holders[0].execute("SELECT pg_advisory_lock(%s)", (LOCK,))

    started = time.monotonic()
    outcome = restore_test(lambda: artefact.open("rb"), backup_set, manifest, started + 5, "deadline", hold_lock)
    with contextlib.suppress(psycopg.Error):
        holders[0].close()
    assert outcome.status == "timeout"
    assert outcome.message == "psql did not finish within the time budget"
    assert scratch_databases(pg) == [] and scratch_dirs(scratch_dir) == []


def test_a_live_owners_scratch_is_never_swept(pg, scratch_env, tmp_path):
    conninfo = Conninfo.from_ref(
        BackupSet.model_validate(pg_set("t", "p/", "pg_custom", scratch_env, tmp_path)).restore.scratch_dsn
    )
    with scratch_database(conninfo, 10) as db, scratch_dir(tmp_path) as live:
        with connect(conninfo, timeout_s=10) as other:
            assert sweep_databases(other) == []
        assert sweep_dirs(tmp_path) == []
        assert db.name in scratch_databases(pg) and live.path.is_dir()
    assert db.name not in scratch_databases(pg) and not live.path.exists()


def test_unlocked_scratch_dir_is_swept_only_after_a_grace_period(tmp_path):
    fresh = tmp_path / "hds-restore-1_fresh"
    old = tmp_path / "hds-restore-2_old"
    fresh.mkdir()
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert sweep_dirs(tmp_path) == [old.name]
    assert fresh.is_dir()


def test_superuser_scratch_role_is_refused_unless_allowed(pg, locked_bucket, scratch_dir, tmp_path):
    superuser = env_var(pg.dsn("postgres"))
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), source_manifest(pg, "clinique", dump, "pg_custom"))
    refused = locked_bucket.target([pg_set("c", "pg/", "pg_custom", superuser, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(refused), check_ctx(refused)))
    assert finding.status is Status.error
    assert "is a superuser" in finding.message and f"env:{superuser}" in finding.message
    allowed = locked_bucket.target([pg_set("c", "pg/", "pg_custom", superuser, scratch_dir, allow_superuser=True)])
    assert only(checks_restore.restore_integrity(collect(allowed), check_ctx(allowed))).status is Status.passed


@pytest.mark.parametrize(
    "command",
    [
        "\\! touch {marker}",
        "\\o | touch {marker}",
        "SELECT 1 \\g | touch {marker}",
        "\\copy (SELECT 1) TO PROGRAM 'touch {marker}'",
        "\\connect postgres",
    ],
)
def test_psql_meta_commands_in_a_plain_dump_are_refused(pg, scratch_env, scratch_dir, tmp_path, command):
    """A tampered plain SQL backup cannot run a shell, write files or switch databases."""
    marker = tmp_path / "pwned"
    sql = f"CREATE TABLE t (a integer);\n{command.format(marker=marker)}\nINSERT INTO t VALUES (1);\n".encode()
    artefact = tmp_path / "evil.sql"
    artefact.write_bytes(sql)
    _, manifest = _blocking_backup(tmp_path)
    data = manifest.model_dump(by_alias=True)
    data["artefact"].update(size=len(sql), sha256=hashlib.sha256(sql).hexdigest())
    backup_set = BackupSet.model_validate(pg_set("t", "pg/", "pg_plain", scratch_env, scratch_dir))
    outcome = restore_test(
        lambda: artefact.open("rb"), backup_set, BackupManifest.model_validate(data), time.monotonic() + 60
    )
    assert outcome.status == "failed"
    assert "backslash commands are restricted" in outcome.message
    assert not marker.exists()
