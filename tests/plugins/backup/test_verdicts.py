"""Verdicts computed the way the tools compute them (issue 23, backups), with artefacts made by the
real tools in the forms operators use: `tar -C DIR -czf OUT .` archives, inherited tables whose
parent gained a column after the child was created, a failed `pg_dump | gzip`, an archive of an
unmounted mount point, and a scratch database that cannot be dropped at the end of a restore."""

from __future__ import annotations

import subprocess
import time

import psycopg

from controlplane.results import Status
from hds_backup import checks_restore
from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest
from hds_backup.pg_tools import Conninfo
from hds_backup.restore import restore_test
from hds_backup.target import BackupSet
from tests.cli.conftest import hdsctl
from tests.plugins.backup.helpers import (
    check_ctx,
    collect,
    only,
    pg_dump,
    pg_set,
    scratch_databases,
    source_manifest,
    tar_set,
)

INHERITED_SQL = """
CREATE TABLE mesures (id integer, patient integer, valeur numeric(6, 2));
CREATE TABLE mesures_2026 (service text) INHERITS (mesures);
INSERT INTO mesures_2026 SELECT g, g % 50, g / 7.0, 'cardio' FROM generate_series(1, 500) g;
ALTER TABLE mesures ADD COLUMN unite text DEFAULT 'mmHg';
INSERT INTO mesures_2026 (id, patient, valeur, service, unite) VALUES (501, 1, 12.5, 'neuro', 'mg');
INSERT INTO mesures VALUES (9001, 3, 1.25, 'kg');
"""


def _gnu_tar_of_a_directory(tmp_path, files: dict[str, bytes]):
    """`tar -C DIR -czf OUT .`: members `./`, `./docs/`, `./docs/a.txt`..."""
    root = tmp_path / "data"
    root.mkdir()
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    archive = tmp_path / "documents.tar.gz"
    subprocess.run(["tar", "-C", str(root), "-czf", str(archive), "."], check=True)
    return archive


def test_an_archive_of_dot_is_described_and_restored(locked_bucket, scratch_dir, tmp_path):
    archive = _gnu_tar_of_a_directory(tmp_path, {"docs/a.txt": b"alpha\n", "b.txt": b"beta\n"})
    listing = subprocess.run(["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True).stdout
    assert "./\n" in listing and "./docs/a.txt\n" in listing  # what operators' archives hold
    proc = hdsctl("backup", "manifest", str(archive), "--backup-format", "tar")
    assert proc.returncode == 0, proc.stderr
    manifest = BackupManifest.loads((tmp_path / "documents.tar.gz.manifest.json").read_bytes(), "m")
    assert [f.path for f in manifest.files] == ["b.txt", "docs/a.txt"]
    locked_bucket.put_backup("f/documents.tar.gz", archive.read_bytes(), manifest)
    target = locked_bucket.target([tar_set("docs", "f/", scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["files_verified"] == 2


def test_inherited_tables_verify_whatever_their_column_order(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    """pg_restore recreates `mesures_2026` with the parent's columns first: its physical column
    order differs from the source's, its content does not."""
    database = pg.create_database()
    pg.psql(INHERITED_SQL, database)
    dump = pg_dump(pg, database, tmp_path / "mesures.dump", "pg_custom")
    manifest = source_manifest(pg, database, dump, "pg_custom")
    assert manifest.digest_algorithm == "row-sha256-sum64/2"
    locked_bucket.put_backup("pg/mesures.dump", dump.read_bytes(), manifest)
    target = locked_bucket.target([pg_set("m", "pg/", "pg_custom", scratch_env, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["tables"] == {"public.mesures": 1, "public.mesures_2026": 501}


def test_a_changed_value_still_changes_the_checksum(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    database = pg.create_database()
    pg.psql(INHERITED_SQL, database)
    dump = pg_dump(pg, database, tmp_path / "mesures.dump", "pg_custom")
    pg.psql("UPDATE mesures_2026 SET unite = 'mmhg' WHERE id = 7", database)
    locked_bucket.put_backup("pg/mesures.dump", dump.read_bytes(), source_manifest(pg, database, dump, "pg_custom"))
    target = locked_bucket.target([pg_set("m", "pg/", "pg_custom", scratch_env, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message == "table public.mesures_2026: content checksum differs from the manifest (501 rows)"


def _failed_pg_dump_gzip(pg, tmp_path):
    """`pg_dump -d absent | gzip > x.sql.gz`: pg_dump fails, gzip writes a valid empty stream."""
    out = tmp_path / "dossiers.sql.gz"
    subprocess.run(
        f"{pg.tool('pg_dump')} -d '{pg.dsn('absente')}' | gzip > {out}", shell=True, env=pg.env(), check=False
    )
    return out


def test_a_failed_dump_does_not_verify_unless_the_set_may_be_empty(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path
):
    dump = _failed_pg_dump_gzip(pg, tmp_path)
    scratch = Conninfo.parse(pg.dsn("postgres", user="hds_restore"), "scratch")
    manifest = build_manifest(dump, "pg_plain", scratch=scratch)
    assert manifest.tables == ()
    locked_bucket.put_backup("pg/dossiers.sql.gz", dump.read_bytes(), manifest)
    target = locked_bucket.target([pg_set("d", "pg/", "pg_plain", scratch_env, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message.startswith("the backup is empty: 0 tables and no row restored")
    allowed = locked_bucket.target([{**pg_set("d", "pg/", "pg_plain", scratch_env, scratch_dir), "allow_empty": True}])
    assert only(checks_restore.restore_integrity(collect(allowed), check_ctx(allowed))).status is Status.passed


def test_an_archive_of_an_unmounted_mount_point_does_not_verify(locked_bucket, scratch_dir, tmp_path):
    archive = _gnu_tar_of_a_directory(tmp_path, {})
    manifest = build_manifest(archive, "tar")
    assert manifest.files == ()
    locked_bucket.put_backup("f/documents.tar.gz", archive.read_bytes(), manifest)
    target = locked_bucket.target([tar_set("docs", "f/", scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message.startswith("the backup is empty: 0 files and no byte of content restored")
    allowed = locked_bucket.target([{**tar_set("docs", "f/", scratch_dir), "allow_empty": True}])
    assert only(checks_restore.restore_integrity(collect(allowed), check_ctx(allowed))).status is Status.passed


def test_a_scratch_database_that_cannot_be_dropped_keeps_the_verdict(pg, scratch_env, scratch_dir, tmp_path):
    """A session the scratch role may not end (as an autovacuum worker's) is connected to the scratch
    database when the restore ends: the verdict stands, the clean-up failure is reported beside it,
    and the next run sweeps the database."""
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    backup_set = BackupSet.model_validate(pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    held: list[psycopg.Connection] = []

    def superuser_session(kind: str, name: str) -> None:
        if kind == "database":
            held.append(psycopg.connect(pg.dsn(name), autocommit=True))

    try:
        outcome = restore_test(
            lambda: dump.open("rb"), backup_set, manifest, time.monotonic() + 120, "c", superuser_session
        )
        assert outcome.status == "verified", outcome.message
        left = outcome.details["scratch_database"]
        assert outcome.details["cleanup_problem"].startswith(f"scratch database {left} could not be dropped")
        assert scratch_databases(pg) == [left]
    finally:
        for conn in held:
            conn.close()
    again = restore_test(lambda: dump.open("rb"), backup_set, manifest, time.monotonic() + 120, "c")
    assert again.status == "verified" and again.details["swept_databases"] == [left]
    assert "cleanup_problem" not in again.details


LARGE_OBJECTS_SQL = """
CREATE SCHEMA radiologie;
CREATE TABLE radiologie.imagerie (id integer PRIMARY KEY, cliche oid);
INSERT INTO radiologie.imagerie SELECT g, lo_from_bytea(0, convert_to(repeat('pixel ' || g, 500), 'UTF8'))
FROM generate_series(1, 20) g;
"""


def _dump_with(pg, database, path, *flags):
    subprocess.run(
        [pg.tool("pg_dump"), "-Fc", *flags, "-d", pg.dsn(database), "-f", str(path)], env=pg.env(), check=True
    )
    return path


def test_large_objects_are_part_of_the_verified_content(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    """`pg_dump -n radiologie` leaves the large objects out (PostgreSQL 15): the table referencing them
    restores identical, the documents do not come back."""
    database = pg.create_database()
    pg.psql(LARGE_OBJECTS_SQL, database)
    whole = _dump_with(pg, database, tmp_path / "whole.dump")
    manifest = source_manifest(pg, database, whole, "pg_custom")
    assert [t.qualified for t in manifest.tables][-1] == "pg_catalog.pg_largeobject"
    locked_bucket.put_backup("pg/whole.dump", whole.read_bytes(), manifest)
    target = locked_bucket.target([pg_set("i", "pg/", "pg_custom", scratch_env, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["tables"]["pg_catalog.pg_largeobject"] == 20

    partial = _dump_with(pg, database, tmp_path / "partial.dump", "-n", "radiologie")
    locked_bucket.put_backup(
        "pg2/partial.dump", partial.read_bytes(), source_manifest(pg, database, partial, "pg_custom")
    )
    target = locked_bucket.target([pg_set("i", "pg2/", "pg_custom", scratch_env, scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.message == "table pg_catalog.pg_largeobject was not restored"
