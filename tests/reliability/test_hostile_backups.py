"""Hostile backups (issue 20, cases 3 and 7), against a real PostgreSQL server and moto's S3 server.

Case 3: a restored dump runs its SQL as the scratch role. Every privileged form of that role is
refused before anything is restored (attributes, predefined roles reached directly or through other
roles), a dump running `COPY … TO PROGRAM` is never reported verified, and with one role per
tenant (README) one tenant's dump can neither read nor end another tenant's restore.

Case 7: a tar artefact cannot make the restore hold gigabytes (pax headers and GNU long names are
bounded before they are read) nor run past its deadline (checked per header and per chunk); an
overrun errors the restore check only, and the scratch directory is removed.
"""

from __future__ import annotations

import hashlib
import io
import resource
import secrets
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import zstandard

from controlplane.results import Status
from hds_backup import checks, checks_restore
from hds_backup.demo.local_postgres import LocalPostgres
from hds_backup.manifest import BackupManifest
from hds_backup.pg_tools import Conninfo
from hds_backup.restore import restore_test
from hds_backup.scratch import scratch_database
from hds_backup.target import BackupSet
from hds_s3.demo.local_endpoint import LocalS3Endpoint
from tests.plugins.backup.helpers import (
    SOURCE_SQL,
    check_ctx,
    collect,
    env_var,
    new_bucket,
    only,
    pg_dump,
    pg_set,
    scratch_databases,
    scratch_dirs,
    source_manifest,
    tar_set,
)

GB = 1024**3


@pytest.fixture(scope="module")
def pg(postgres_server: LocalPostgres) -> LocalPostgres:
    if "clinique" not in postgres_server.psql("SELECT string_agg(datname, ',') FROM pg_database"):
        postgres_server.create_database("clinique")
        postgres_server.psql(SOURCE_SQL, "clinique")
    return postgres_server


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalS3Endpoint]:
    with LocalS3Endpoint() as ep:
        yield ep


def _role(pg: LocalPostgres, setup: str = "") -> str:
    """A fresh LOGIN CREATEDB role, then `setup` (SQL with {role}) run as superuser."""
    name = f"scratch_{secrets.token_hex(4)}"
    pg.create_role(name)
    if setup:
        pg.psql(setup.format(role=name))
    return name


def _plain_backup(pg: LocalPostgres, tmp_path: Path, extra_sql: str = "") -> tuple[Path, BackupManifest]:
    """A real plain pg_dump of the source, with `extra_sql` appended (a tampered backup), and the
    manifest read from the source: what an untampered restore gives back."""
    dump = pg_dump(pg, "clinique", tmp_path / "clinique.sql", "pg_plain")
    if extra_sql:
        with dump.open("ab") as f:
            f.write(extra_sql.encode())
    manifest = source_manifest(pg, "clinique", dump, "pg_plain")
    return dump, manifest


def _restore(pg: LocalPostgres, role: str, dump: Path, manifest: BackupManifest, scratch: Path, **restore):
    backup_set = BackupSet.model_validate(
        pg_set("dossiers", "pg/", "pg_plain", env_var(pg.dsn("postgres", user=role)), scratch, **restore)
    )
    return restore_test(lambda: dump.open("rb"), backup_set, manifest, time.monotonic() + 120, "hostile")


# -- case 3: the scratch role ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("ALTER ROLE {role} SUPERUSER", "is a superuser"),
        ("ALTER ROLE {role} CREATEROLE", "has CREATEROLE"),
        ("ALTER ROLE {role} BYPASSRLS", "has BYPASSRLS"),
        ("ALTER ROLE {role} REPLICATION", "has REPLICATION"),
        ("GRANT pg_execute_server_program TO {role}", "is a member of pg_execute_server_program"),
        ("GRANT pg_read_server_files TO {role}", "is a member of pg_read_server_files"),
        ("GRANT pg_write_server_files TO {role}", "is a member of pg_write_server_files"),
        ("GRANT pg_signal_backend TO {role}", "is a member of pg_signal_backend"),
        ("GRANT pg_monitor TO {role}", "is a member of pg_monitor"),
        ("GRANT pg_read_all_data TO {role}", "is a member of pg_read_all_data"),
        ("GRANT pg_read_all_settings TO {role}", "is a member of pg_read_all_settings"),
        ("GRANT pg_read_all_stats TO {role}", "is a member of pg_read_all_stats"),
        # inherited: through an intermediate role, and even without INHERIT (SET ROLE reaches it)
        (
            "CREATE ROLE ops_{role} NOLOGIN; GRANT pg_execute_server_program TO ops_{role}; GRANT ops_{role} TO {role}",
            "is a member of pg_execute_server_program",
        ),
        (
            "ALTER ROLE {role} NOINHERIT; CREATE ROLE adm_{role} NOLOGIN CREATEROLE; GRANT adm_{role} TO {role}",
            "has CREATEROLE through its membership in adm_",
        ),
    ],
)
def test_privileged_scratch_role_is_refused_before_restoring(pg, tmp_path, setup, reason):
    role = _role(pg, setup)
    dump, manifest = _plain_backup(pg, tmp_path)
    outcome = _restore(pg, role, dump, manifest, tmp_path / "scratch")
    assert outcome.status == "error", outcome.message
    assert "the scratch role of env:" in outcome.message and reason in outcome.message
    assert "scratch_database" not in outcome.details  # refused before any database was created
    assert scratch_databases(pg) == []


def test_an_unprivileged_role_restores(pg, tmp_path):
    dump, manifest = _plain_backup(pg, tmp_path)
    outcome = _restore(pg, _role(pg), dump, manifest, tmp_path / "scratch")
    assert outcome.status == "verified", outcome.message


@pytest.fixture
def marker_dir() -> Iterator[Path]:
    """A directory the server's OS user could write to: a program run by the dump leaves a file."""
    path = Path(tempfile.mkdtemp(prefix="hds-hostile-"))
    path.chmod(0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("grant", ["GRANT pg_execute_server_program TO {role}", ""])
def test_copy_to_program_in_a_dump_never_runs_and_is_never_verified(pg, tmp_path, marker_dir, grant):
    marker = marker_dir / "pwned"
    dump, manifest = _plain_backup(pg, tmp_path, f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';\n")
    outcome = _restore(pg, _role(pg, grant), dump, manifest, tmp_path / "scratch")
    assert outcome.status != "verified"
    assert not marker.exists()
    if grant:  # refused up front
        assert outcome.status == "error" and "is a member of pg_execute_server_program" in outcome.message
    else:  # the server refuses the COPY: the restore fails
        assert outcome.status == "failed" and "pg_execute_server_program" in outcome.message


def test_one_tenants_dump_cannot_read_or_end_another_tenants_restore(pg, tmp_path):
    """Scratch roles per tenant, as README creates them: tenant B's restore is in progress (its
    scratch database exists, its owner session is connected); tenant A's dump tries to end it."""
    role_a, role_b = _role(pg), _role(pg)
    conninfo_b = Conninfo.parse(pg.dsn("postgres", user=role_b), "tenant B scratch")
    hostile = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name LIKE 'hds-restore:%' AND usename <> current_user;\n"
    )
    dump, manifest = _plain_backup(pg, tmp_path, hostile)
    with scratch_database(conninfo_b, 10) as restore_b:
        b_pid = restore_b.control.info.backend_pid
        with psycopg.connect(pg.dsn("postgres", user=role_a), autocommit=True) as as_a:
            seen = as_a.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (b_pid,)).fetchone()
            assert seen == ("<insufficient privilege>",)
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(pg.dsn(restore_b.name, user=role_a), autocommit=True)
        outcome = _restore(pg, role_a, dump, manifest, tmp_path / "scratch")
        assert (
            outcome.status == "failed"
            and "must be a member of the role whose process is being terminated" in outcome.message
        )
        assert restore_b.control.execute("SELECT 1").fetchone() == (1,)  # B's restore goes on


# -- case 7: the tar restore ----------------------------------------------------------------


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type, info.size = kind, size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _zstd_with_zeros(head: bytes, zeros: int) -> bytes:
    """`head` followed by `zeros` zero bytes, compressed as a stream (never held whole)."""
    out = io.BytesIO()
    writer = zstandard.ZstdCompressor(level=3).stream_writer(out, closefd=False)
    writer.write(head)
    chunk = bytes(8 * 1024 * 1024)
    left = zeros
    while left:
        writer.write(chunk[: min(left, len(chunk))])
        left -= min(left, len(chunk))
    writer.close()
    return out.getvalue()


def _tar_manifest(data: bytes, files: list[dict] | None = None) -> BackupManifest:
    return BackupManifest.model_validate(
        {
            "tool": "tar",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "files", "name": "docs"},
            "artefact": {
                "name": "docs.tar.zst",
                "format": "tar",
                "compression": "zstd",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            "files": files or [{"path": "a.txt", "size": 1, "sha256": "0" * 64}],
        }
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(
    ("kind", "what"),
    [(tarfile.XHDTYPE, "extended headers of one member"), (tarfile.GNUTYPE_LONGNAME, "extended headers of one member")],
)
def test_a_gigabyte_extended_header_is_refused_before_it_is_read(tmp_path, kind, what):
    data = _zstd_with_zeros(_header("././@PaxHeader", kind, GB), GB + 2 * 512)
    assert len(data) < 64 * 1024  # the 32 KB artefact of the report
    artefact = tmp_path / "docs.tar.zst"
    artefact.write_bytes(data)
    backup_set = BackupSet.model_validate(tar_set("docs", "f/", tmp_path / "scratch"))
    before = _peak_rss_mb()
    outcome = restore_test(lambda: artefact.open("rb"), backup_set, _tar_manifest(data), time.monotonic() + 120)
    assert outcome.status == "failed", outcome.message
    assert f"announces {GB} bytes of {what}" in outcome.message and "refused before reading it" in outcome.message
    assert _peak_rss_mb() - before < 256  # tarfile would hold the whole header (and copies of it)
    assert scratch_dirs(tmp_path / "scratch") == []


def test_a_chain_of_extended_headers_is_refused(tmp_path):
    record = b"20 comment=xxxxxxxx\n"
    head = b"".join(_header(f"pax{i}", tarfile.XHDTYPE, len(record)) + record.ljust(512, b"\0") for i in range(50))
    data = _zstd_with_zeros(head + _header("a.txt", tarfile.REGTYPE, 0), 1024)
    artefact = tmp_path / "docs.tar.zst"
    artefact.write_bytes(data)
    backup_set = BackupSet.model_validate(tar_set("docs", "f/", tmp_path / "scratch"))
    outcome = restore_test(lambda: artefact.open("rb"), backup_set, _tar_manifest(data), time.monotonic() + 60)
    assert outcome.status == "failed" and "extended headers in a row" in outcome.message


def _many_empty_members(count: int) -> bytes:
    """A tar.zst of `count` empty files, as `tar` writes them (ustar headers), built as a stream."""
    out = io.BytesIO()
    writer = zstandard.ZstdCompressor(level=1).stream_writer(out, closefd=False)
    template = tarfile.TarInfo("f")
    template.mtime = 1_700_000_000
    for i in range(count):
        template.name = f"d{i // 1000:04d}/f{i:07d}"
        writer.write(template.tobuf(format=tarfile.USTAR_FORMAT))
    writer.write(bytes(1024))
    writer.close()
    return out.getvalue()


def test_a_restore_past_its_deadline_stops_and_errors_only_the_restore_check(endpoint, tmp_path):
    """300,000 empty members on a 3 s collection budget: the restore stops at its deadline, the
    scratch directory is removed, BKP-05 is an error and the stored-copy checks keep their verdicts."""
    creds = endpoint.new_account()
    refs = {
        "access_key_id": {"env": env_var(creds.access_key_id)},
        "secret_access_key": {"env": env_var(creds.secret_access_key)},
    }
    bucket = new_bucket(endpoint, creds, refs, object_lock=("COMPLIANCE", 35))
    data = _many_empty_members(300_000)
    bucket.put_backup("f/docs.tar.zst", data, _tar_manifest(data))
    scratch = tmp_path / "scratch"
    target = bucket.target([tar_set("docs", "f/", scratch)])
    started = time.monotonic()
    snap = collect(target, timeout_s=3)
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 30  # the unbounded extraction of the report took 35.7 s on a 5 s budget
    ctx = check_ctx(target)
    integrity = only(checks_restore.restore_integrity(snap, ctx))
    assert integrity.status is Status.error
    assert "time budget exhausted while restoring the archive" in integrity.message
    assert only(checks.freshness(snap, ctx)).status is Status.failed  # created_at 2026-01-01: stale, judged
    assert {f.status for f in checks.encryption(snap, ctx)} == {Status.passed}
    assert scratch_dirs(scratch) == []


def test_old_gnu_sparse_map_is_bounded(tmp_path):
    """A GNU sparse member ('S') whose map announces endless extension blocks."""
    info = tarfile.TarInfo("sparse")
    info.type = tarfile.GNUTYPE_SPARSE
    head = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    head[482] = 1  # isextended
    head[148:156] = b" " * 8
    head[148:156] = b"%06o\0 " % sum(head)
    block = bytearray(512)
    block[504] = 1
    data = _zstd_with_zeros(bytes(head) + bytes(block) * 10_000, 1024)
    artefact = tmp_path / "docs.tar.zst"
    artefact.write_bytes(data)
    backup_set = BackupSet.model_validate(tar_set("docs", "f/", tmp_path / "scratch"))
    outcome = restore_test(lambda: artefact.open("rb"), backup_set, _tar_manifest(data), time.monotonic() + 60)
    assert outcome.status == "failed" and "map blocks" in outcome.message, outcome.message
