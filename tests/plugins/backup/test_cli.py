"""`hdsctl backup manifest`: manifests for existing artefacts, as an operator adopting restore tests
would write them, and bad input as one line with exit code 2."""

from __future__ import annotations

import json
import subprocess

from controlplane.results import Status
from hds_backup import checks_restore
from hds_backup.manifest import BackupManifest
from tests.cli.conftest import hdsctl
from tests.plugins.backup.helpers import (
    check_ctx,
    collect,
    env_var,
    only,
    pg_dump,
    pg_set,
    source_manifest,
    special,
    tar_bytes,
)


def test_tar_manifest_lists_every_file(tmp_path):
    archive = tmp_path / "docs-2026.tar.zst"
    archive.write_bytes(tar_bytes([("a.txt", b"a"), ("d/b.txt", b"bb")], "zstd"))
    proc = hdsctl("backup", "manifest", str(archive), "--backup-format", "tar", "--created-at", "2026-05-04T01:00:00Z")
    assert proc.returncode == 0, proc.stderr
    manifest = BackupManifest.loads((tmp_path / "docs-2026.tar.zst.manifest.json").read_bytes(), "m")
    assert [(f.path, f.size) for f in manifest.files] == [("a.txt", 1), ("d/b.txt", 2)]
    assert manifest.artefact.compression == "zstd" and manifest.source.name == "docs-2026"
    assert manifest.created_at.isoformat() == "2026-05-04T01:00:00+00:00"
    assert proc.stdout.startswith(f"Wrote {tmp_path / 'docs-2026.tar.zst.manifest.json'}: 2 files, sha256 ")


def test_dump_manifest_through_a_scratch_server_is_what_the_restore_test_verifies(
    pg, locked_bucket, scratch_env, scratch_dir, tmp_path
):
    dump = pg_dump(pg, "clinique", tmp_path / "clinique.dump", "pg_custom")
    out = tmp_path / "m.json"
    proc = hdsctl(
        "backup", "manifest", str(dump), "--backup-format", "pg_custom", "--scratch-dsn-env", scratch_env,
        "-o", str(out), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["tables"] == 3 and summary["rows"] == 7000
    manifest = BackupManifest.loads(out.read_bytes(), str(out))
    assert manifest.tables == source_manifest(pg, "clinique", dump, "pg_custom").tables
    version = subprocess.run([pg.tool("pg_dump"), "--version"], capture_output=True, text=True, check=True).stdout
    assert manifest.tool == "pg_dump" and manifest.tool_version and f" {manifest.tool_version} " in version

    locked_bucket.put_backup("pg/clinique.dump", dump.read_bytes(), manifest)
    target = locked_bucket.target([pg_set("c", "pg/", "pg_custom", scratch_env, scratch_dir)])
    assert only(checks_restore.restore_integrity(collect(target), check_ctx(target))).status is Status.passed


def test_plain_dump_manifest_from_the_live_source(pg, tmp_path):
    dump = pg_dump(pg, "clinique", tmp_path / "clinique.sql.gz", "pg_plain", "gzip")
    source = env_var(pg.dsn("clinique"))
    proc = hdsctl("backup", "manifest", str(dump), "--backup-format", "pg_plain", "--source-dsn-env", source, "-o", "-")
    assert proc.returncode == 0, proc.stderr
    manifest = BackupManifest.loads(proc.stdout.encode(), "stdout")
    assert manifest.artefact.compression == "gzip"
    assert {t.qualified: t.rows for t in manifest.tables} == {
        "public.patients": 3000,
        "public.vide": 0,
        "soins.sejours": 4000,
    }


def test_bad_input_is_one_line_with_exit_code_2(tmp_path):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    archive = tmp_path / "evil.tar"
    archive.write_bytes(tar_bytes([special("up", b"2", "../../etc")]))
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(tar_bytes([("a", b"a" * 5000)], "gzip")[:-30])
    cases = [
        (
            [str(dump), "--backup-format", "pg_custom"],
            f"{dump}: a PostgreSQL dump needs exactly one of --scratch-dsn-env or --source-dsn-env",
        ),
        (
            [str(dump), "--backup-format", "pg_custom", "--source-dsn-env", "HDS_TEST_UNSET_VARIABLE"],
            "--source-dsn-env: environment variable HDS_TEST_UNSET_VARIABLE is not set",
        ),
        (
            [str(dump), "--backup-format", "pg_custom", "--source-dsn-env", "not a name"],
            "--source-dsn-env: 'not a name' is not an environment variable name",
        ),
        ([str(archive), "--backup-format", "tar", "--created-at", "2026-05-04"], "--created-at: needs a time zone"),
        ([str(archive), "--backup-format", "tar"], f"{archive}: symlink 'up' points outside the archive ('../../etc')"),
    ]
    for args, message in cases:
        proc = hdsctl("backup", "manifest", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stderr.startswith(f"hdsctl: error: {message}"), proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    proc = hdsctl("backup", "manifest", str(broken), "--backup-format", "tar")
    assert proc.returncode == 2 and proc.stderr.startswith(f"hdsctl: error: {broken}: "), proc.stderr
    assert not list(tmp_path.glob("*.manifest.json"))


def test_a_privileged_scratch_role_is_refused_by_the_manifest_writer_too(pg, tmp_path):
    """The manifest writer restores the dump into the scratch server: the same refusal, one line."""
    role = pg.create_role("manifest_writer_exec")
    pg.psql(f"GRANT pg_execute_server_program TO {role}")
    dump = pg_dump(pg, "clinique", tmp_path / "clinique.dump", "pg_custom")
    variable = env_var(pg.dsn("postgres", user=role))
    proc = hdsctl("backup", "manifest", str(dump), "--backup-format", "pg_custom", "--scratch-dsn-env", variable)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"hdsctl: error: {dump}: the scratch role of env:{variable} is refused: ")
    assert f"{role} is a member of pg_execute_server_program" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.manifest.json"))
