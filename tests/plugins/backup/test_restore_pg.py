"""Restore tests of PostgreSQL backups, end to end: real pg_dump artefacts uploaded to the local S3
server, downloaded by the collector, restored into a scratch database of a real server by
pg_restore/psql, compared with the manifest written from the source, and judged by the checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.results import Status
from hds_backup import checks, checks_restore
from hds_backup.demo.local_postgres import LocalPostgres
from tests.plugins.backup.helpers import (
    BackupBucket,
    check_ctx,
    collect,
    edit_manifest,
    only,
    pg_dump,
    pg_set,
    scratch_dirs,
    source_manifest,
)


def _restore(bucket: BackupBucket, target_set: dict, contract: dict | None = None):
    target = bucket.target([target_set])
    snap = collect(target, contract=contract)
    ctx = check_ctx(target, contract=contract)
    return snap, only(checks_restore.restore_integrity(snap, ctx)), only(checks_restore.restore_time(snap, ctx))


@pytest.mark.parametrize(
    ("fmt", "compression", "suffix"),
    [
        ("pg_custom", "none", ".dump"),
        ("pg_custom", "zstd", ".dump.zst"),
        ("pg_plain", "gzip", ".sql.gz"),
        ("pg_plain", "zstd", ".sql.zst"),
    ],
)
def test_good_backup_restores_and_matches_its_manifest(
    pg: LocalPostgres,
    locked_bucket: BackupBucket,
    scratch_env: str,
    scratch_dir: Path,
    tmp_path,
    fmt,
    compression,
    suffix,
):
    dump = pg_dump(pg, "clinique", tmp_path / f"clinique{suffix}", fmt, compression)
    locked_bucket.put_backup(f"pg/{dump.name}", dump.read_bytes(), source_manifest(pg, "clinique", dump, fmt))
    _snap, integrity, timing = _restore(
        locked_bucket,
        pg_set(
            "clinique",
            "pg/",
            fmt,
            scratch_env,
            scratch_dir,
            expect_tables=["public.patients", "soins.sejours"],
            sanity_queries=[{"sql": "SELECT count(*) FROM public.patients WHERE notes IS NULL", "expect": "600"}],
        ),
    )
    assert integrity.status is Status.passed, integrity.message
    evidence = integrity.evidence
    assert evidence["tables_verified"] == 3 and evidence["rows_verified"] == 7000
    assert evidence["tables"] == {"public.patients": 3000, "public.vide": 0, "soins.sejours": 4000}
    assert evidence["compression"] == compression
    assert evidence["sanity_queries"][0]["ok"] is True
    assert evidence["measured_rpo_hours"] < 1 and evidence["recovery_point_source"] == "manifest created_at"
    assert evidence["timings"]["recovery_s"] > 0 and evidence["measured_rto_s"] > 0
    assert timing.status is Status.passed, timing.message
    assert "within the 4 h RTO" in timing.message
    assert scratch_dirs(scratch_dir) == []  # and the autouse fixture checks no scratch database is left


def test_altered_byte_fails_on_checksum_before_any_restore(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x40
    locked_bucket.put_backup("pg/c.dump", bytes(data), manifest)
    _, integrity, timing = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert integrity.message.startswith("checksum mismatch")
    assert "scratch_database" not in integrity.evidence  # refused before restoring anything
    assert timing.status is Status.failed and "not demonstrated" in timing.message


def test_truncated_dump_fails_on_size_and_checksum(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes()[: dump.stat().st_size // 2], manifest)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert any(p.startswith("size mismatch") for p in integrity.evidence["problems"])


def test_truncated_dump_with_a_matching_manifest_fails_in_pg_restore(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path
):
    """A backup job that wrote its manifest from the truncated file: the checksum agrees, the
    restore does not."""
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), manifest)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert integrity.message.startswith("pg_restore failed"), integrity.message
    assert integrity.evidence["scratch_database"].startswith("hds_restore_")
    assert scratch_dirs(scratch_dir) == []


def test_truncated_gzip_plain_dump_is_reported_damaged(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.sql.gz", "pg_plain", "gzip")
    dump.write_bytes(dump.read_bytes()[:-100])
    good = pg_dump(pg, "clinique", tmp_path / "good.sql.gz", "pg_plain", "gzip")
    manifest = source_manifest(pg, "clinique", good, "pg_plain")
    locked_bucket.put_backup("pg/c.sql.gz", dump.read_bytes(), manifest)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_plain", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert any("gzip stream is damaged" in p for p in integrity.evidence["problems"])


def test_row_count_in_manifest_differs(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    tables = [t.model_dump(by_alias=True) for t in manifest.tables]
    tables[0]["rows"] += 1
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), edit_manifest(manifest, tables=tables))
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert integrity.message == "table public.patients: 3000 rows restored, the manifest says 3001"


def test_changed_content_with_same_row_count_fails_on_table_checksum(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path
):
    """The manifest was written from the source after a row changed: counts agree, content not."""
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    pg.psql("UPDATE soins.sejours SET motif = 'changé' WHERE id = 7", "clinique")
    try:
        manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    finally:
        pg.psql("UPDATE soins.sejours SET motif = 'motif ' || 7 % 41 WHERE id = 7", "clinique")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), manifest)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert integrity.message == "table soins.sejours: content checksum differs from the manifest (4000 rows)"


def test_missing_table_and_failing_sanity_query(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), source_manifest(pg, "clinique", dump, "pg_custom"))
    _, integrity, _ = _restore(
        locked_bucket,
        pg_set(
            "c",
            "pg/",
            "pg_custom",
            scratch_env,
            scratch_dir,
            expect_tables=["public.ordonnances"],
            sanity_queries=[{"sql": "SELECT max(id) FROM public.patients", "expect": "1"}],
        ),
    )
    assert integrity.status is Status.failed
    assert integrity.evidence["problems"] == [
        "expected table public.ordonnances is missing",
        "sanity query 'SELECT max(id) FROM public.patients' returned '3000', expected '1'",
    ]


def test_sanity_queries_cannot_write(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), source_manifest(pg, "clinique", dump, "pg_custom"))
    query = {"sql": "DELETE FROM public.patients RETURNING 1", "expect": "1"}
    _, integrity, _ = _restore(
        locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir, sanity_queries=[query])
    )
    assert integrity.status is Status.failed
    [sanity] = integrity.evidence["sanity_queries"]
    assert sanity["ok"] is False and "read-only transaction" in sanity["error"]


def test_missing_backup_fails_every_backup_control(locked_bucket, scratch_env, scratch_dir):
    target = locked_bucket.target([pg_set("vide", "pg/absent/", "pg_custom", scratch_env, scratch_dir)])
    snap = collect(target)
    ctx = check_ctx(target)
    assert only(checks.freshness(snap, ctx)).message == "no backup found under 'pg/absent/'"
    assert only(checks_restore.restore_integrity(snap, ctx)).status is Status.failed
    assert only(checks_restore.restore_time(snap, ctx)).status is Status.failed


def test_backup_without_manifest_cannot_be_verified(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), None)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.failed
    assert (
        integrity.message
        == "cannot verify the backup: no manifest beside the backup (expected pg/c.dump.manifest.json)"
    )


def test_stale_backup_exceeds_the_rpo(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    from datetime import timedelta

    from tests.plugins.backup.helpers import utc_now

    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom", created_at=utc_now() - timedelta(hours=30))
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), manifest)
    target = locked_bucket.target([pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir)])
    snap = collect(target)
    fresh = only(checks.freshness(snap, check_ctx(target)))
    integrity = only(checks_restore.restore_integrity(snap, check_ctx(target)))
    assert fresh.status is Status.failed
    assert fresh.message.startswith("newest backup is 30.0") and fresh.message.endswith("beyond the 24 h RPO")
    assert 30 <= fresh.evidence["measured_rpo_hours"] < 30.1
    assert integrity.status is Status.passed  # old, but intact
    assert 30 <= integrity.evidence["measured_rpo_hours"] < 30.1


def test_restore_slower_than_a_tiny_rto_fails(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), source_manifest(pg, "clinique", dump, "pg_custom"))
    contract = {"rto_hours": 1e-7}  # 0.36 ms: no real restore is that fast
    _, integrity, timing = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir), contract)
    assert integrity.status is Status.passed
    assert timing.status is Status.failed
    assert "beyond the 1e-07 h RTO" in timing.message
    assert timing.evidence["measured_rto_s"] > timing.evidence["rto_hours"] * 3600


def test_newest_backup_of_the_set_is_the_one_tested(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    good = pg_dump(pg, "clinique", tmp_path / "a.dump", "pg_custom")
    manifest = source_manifest(pg, "clinique", good, "pg_custom")
    locked_bucket.put_backup("pg/2026-01-01.dump", b"old and broken", edit_manifest(manifest))
    locked_bucket.put_backup("pg/2026-01-02.dump", good.read_bytes(), manifest)
    _, integrity, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert integrity.status is Status.passed
    assert integrity.evidence["newest"]["key"] == "pg/2026-01-02.dump"


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_plain_dump_data_that_looks_like_a_restrict_line_survives(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path, compression
):
    """pg_dump writes a carriage return as `\\r`: a row starting with CR + "estrict abc" is the COPY
    line `\\restrict abc`. Only the dump's own restrict lines are dropped, never data."""
    database = pg.create_database()
    try:
        pg.psql(
            r"CREATE TABLE zz (t text); INSERT INTO zz VALUES (E'\restrict abc'), (E'\runrestrict abc'), ('x');",
            database,
        )
        suffix = ".sql.gz" if compression == "gzip" else ".sql"
        dump = pg_dump(pg, database, tmp_path / f"edge{suffix}", "pg_plain", compression)
        locked_bucket.put_backup(
            f"edge/{dump.name}", dump.read_bytes(), source_manifest(pg, database, dump, "pg_plain")
        )
        _, integrity, _ = _restore(locked_bucket, pg_set("edge", "edge/", "pg_plain", scratch_env, scratch_dir))
    finally:
        pg.drop_database(database)
    assert integrity.status is Status.passed, integrity.message
    assert integrity.evidence["tables"] == {"public.zz": 3}


def test_plain_sql_filter_drops_only_the_dumps_own_restrict_lines():
    import io

    from hds_backup.restore_pg import write_plain_sql

    big = b"".join(b"INSERT INTO t VALUES (%d);\n" % i for i in range(200_000))  # past the 1 MiB tail
    dump = (
        b"--\n-- dump\n--\n\n\\restrict K1\n\n-- Dumped\nSET x = 1;\n"
        + big
        + b"COPY public.t (a) FROM stdin;\n\\restrict data\n\\.\n\n\\unrestrict K1\n\n"
    )
    out = io.BytesIO()
    written, dropped = write_plain_sql(io.BytesIO(dump), out, 10**9)
    assert dropped == 2 and written == len(out.getvalue())
    assert out.getvalue() == dump.replace(b"\\restrict K1\n", b"").replace(b"\\unrestrict K1\n", b"")


def test_manifest_without_tables_relies_on_sanity_queries(pg, locked_bucket, scratch_env, scratch_dir, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "c.dump", "pg_custom")
    manifest = edit_manifest(source_manifest(pg, "clinique", dump, "pg_custom"), tables=None, digest_algorithm=None)
    locked_bucket.put_backup("pg/c.dump", dump.read_bytes(), manifest)
    _, bare, _ = _restore(locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir))
    assert bare.status is Status.failed and bare.message.startswith("nothing proves the restored content")
    query = {"sql": "SELECT count(*) FROM soins.sejours", "expect": "4000"}
    _, checked, _ = _restore(
        locked_bucket, pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir, sanity_queries=[query])
    )
    assert checked.status is Status.passed, checked.message
    assert checked.evidence["verified_by"].startswith("expect_tables and sanity_queries")
