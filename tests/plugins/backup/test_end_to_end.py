"""`hdsctl run` on a fleet with backup and PostgreSQL targets: the scheduler, the plugin, the local
S3 server and the real PostgreSQL server together; measured RPO and RTO land in the evidence, and
no credential or DSN does."""

from __future__ import annotations

import json
from datetime import timedelta

from controlplane.store import EvidenceStore
from tests.cli.conftest import hdsctl
from tests.plugins.backup.helpers import (
    edit_manifest,
    env_var,
    pg_dump,
    pg_set,
    source_manifest,
    tar_bytes,
    tar_set,
    utc_now,
)
from tests.support.fleet import tenant, write_fleet

DSN_PASSWORD = "pg-password-never-stored"


def _entry(bucket, sets, **fields):
    return bucket.target(sets, **fields).model_dump(mode="json", exclude_none=True)


def test_run_stores_measured_rpo_and_rto_and_no_secret(pg, account, locked_bucket, plain_bucket, scratch_dir, tmp_path):
    # trust authentication ignores the password; it is there to prove it never reaches the store
    scratch = env_var(f"{pg.dsn('postgres', user='hds_restore')} password={DSN_PASSWORD}")
    monitor = env_var(f"{pg.dsn('postgres')} password={DSN_PASSWORD}")
    dump = pg_dump(pg, "clinique", tmp_path / "clinique.dump.zst", "pg_custom", "zstd")
    manifest = source_manifest(pg, "clinique", dump, "pg_custom")
    locked_bucket.put_backup("pg/clinique.dump.zst", dump.read_bytes(), manifest)
    archive = tar_bytes([("cr/1.txt", b"compte rendu")], "gzip")
    (tmp_path / "docs.tar.gz").write_bytes(archive)
    from hds_backup.manifest_build import build_manifest

    locked_bucket.put_backup("docs/docs.tar.gz", archive, build_manifest(tmp_path / "docs.tar.gz", "tar"))
    stale = edit_manifest(manifest, created_at=(utc_now() - timedelta(hours=50)).isoformat())
    plain_bucket.put_backup("pg/old.dump.zst", dump.read_bytes()[:-10], stale)

    good = {
        "backup": [
            _entry(
                locked_bucket,
                [
                    pg_set("dossiers", "pg/", "pg_custom", scratch, scratch_dir),
                    tar_set("documents", "docs/", scratch_dir),
                ],
                immutability_probe=True,
            )
        ],
        "postgresql": [{"name": "base", "dsn": {"env": monitor}}],
    }
    bad = {"backup": [_entry(plain_bucket, [pg_set("dossiers", "pg/", "pg_custom", scratch, scratch_dir)])]}
    cfg = write_fleet(
        tmp_path / "hds.yaml",
        [tenant("clinique-sud", [4, 5, 6], good), tenant("hopital-nord", [6], bad)],
        {"workers": 2, "collect_timeout_s": 60, "check_timeout_s": 10, "retries": 0},
    )
    store_path = tmp_path / "ev.sqlite"
    proc = hdsctl("run", "-c", str(cfg), "--store", str(store_path), "--format", "json", timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    store = EvidenceStore.open(str(store_path), create=False)
    [run] = store.list_runs()
    results = store.results(run.run_id)
    store.close()
    by = {}
    for r in results:
        by.setdefault((r["tenant"], r["control"]), []).append(r)

    good_statuses = {c: {r["status"] for r in rows} for (t, c), rows in by.items() if t == "clinique-sud"}
    for control in ("BKP-01", "BKP-02", "BKP-03", "BKP-04", "BKP-05", "BKP-06"):
        assert good_statuses[control] == {"pass"}, (control, [r["message"] for r in by[("clinique-sud", control)]])
    assert good_statuses["PG-01"] == {"fail"}  # the test server runs without TLS
    restored = {r["resource"]: r["evidence"] for r in by[("clinique-sud", "BKP-06")]}
    assert set(restored) == {"dossiers", "documents"}
    assert restored["dossiers"]["measured_rto_s"] > 0 and "measured_rpo_hours" in restored["dossiers"]
    assert restored["dossiers"]["compression"] == "zstd"

    bad_statuses = {c: {r["status"] for r in rows} for (t, c), rows in by.items() if t == "hopital-nord"}
    for control in ("BKP-01", "BKP-02", "BKP-03", "BKP-04", "BKP-05", "BKP-06"):
        assert bad_statuses[control] == {"fail"}, (control, [r["message"] for r in by[("hopital-nord", control)]])
    assert by[("hopital-nord", "BKP-05")][0]["message"].startswith("checksum mismatch")

    blob = store_path.read_bytes() + proc.stdout.encode() + proc.stderr.encode()
    creds, _ = account
    for secret in (DSN_PASSWORD, creds.secret_access_key, pg.dsn("postgres", user="hds_restore")):
        assert secret.encode() not in blob
    assert json.loads(proc.stdout)["run_id"] == run.run_id
