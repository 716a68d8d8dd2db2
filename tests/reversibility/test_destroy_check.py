"""`hdsctl reversibility destroy-check` against moto over HTTP (versioned buckets, delete markers,
Object Lock, declared replicas, a backup bucket) and a real PostgreSQL (scratch restores)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from controlplane.evidence import generate_key
from tests.reversibility.conftest import Env, dump, env_var, make_bucket


def purge(s3: Any, bucket: str) -> None:
    """What the host does at contract end: every version and marker deleted, then the bucket."""
    listed = s3.list_object_versions(Bucket=bucket)
    for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def check(env: Env, *args: str) -> tuple[int, dict[str, Any], str]:
    out = env.reversibility("destroy-check", "--tenant", "clinique", "--format", "json", *args)
    assert out.exit_code in (0, 1), dump(out)
    return out.exit_code, json.loads(out.output), out.output


def test_deleting_only_the_current_objects_leaves_versions_and_delete_markers(env: Env) -> None:
    s3 = env.s3()
    data = env.buckets["data"]
    for key in ("dossiers/patient-1.json", "imagerie/scan.dcm", "compte-rendu.txt"):
        s3.delete_object(Bucket=data, Key=key)  # a versioned bucket keeps the data behind a marker
    code, report, _ = check(env)
    assert code == 1 and not report["destroyed"]
    kinds = {(r["kind"], r["location"]) for r in report["remains"]}
    assert ("bucket", data) in kinds
    assert ("object-version", f"{data}/dossiers/patient-1.json") in kinds
    assert ("delete-marker", f"{data}/dossiers/patient-1.json") in kinds
    [rec] = env.records("destruction")
    assert rec["tenant"] == "clinique" and rec["status"] == "fail" and rec["evidence"]["remain_count"] == 7


def test_nothing_left_is_destroyed_and_the_sealed_record_verifies_offline(env: Env) -> None:
    s3 = env.s3()
    purge(s3, env.buckets["data"])
    key, _, _ = generate_key(env.root / "host.key", False)
    bundle = env.root / "preuve-destruction"
    code, report, _ = check(env, "--signing-key", str(key), "-o", str(bundle))
    assert code == 0 and report["destroyed"] and report["sealed"], report
    assert any("absent" in c for t in report["targets"] for c in t["checked"])
    [rec] = env.records("destruction")
    assert rec["status"] == "pass"
    verified = subprocess.run(
        [sys.executable, str(bundle / "verify_bundle.py"), str(bundle)], capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    records = json.loads((bundle / "records.json").read_text())
    assert [r["control"] for r in records] == ["REV-02"] and {r["tenant"] for r in records} == {"clinique"}


def test_object_lock_versions_are_listed_with_their_retain_until_date(env: Env) -> None:
    s3 = env.s3()
    purge(s3, env.buckets["data"])
    locked = make_bucket(s3, f"clinique-archives-{secrets.token_hex(3)}", lock=True)
    s3.put_object_lock_configuration(
        Bucket=locked,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    )
    s3.put_object(Bucket=locked, Key="archive-2025.tar", Body=b"archive")
    env.tenants[0]["targets"]["s3"][0]["buckets"].append({"name": locked})
    env.write_fleet()
    code, report, _ = check(env)
    assert code == 1
    [entry] = report["locked"]
    assert entry["location"] == f"{locked}/archive-2025.tar" and entry["retain_until"][:2] == "20"
    out = env.reversibility("destroy-check", "--tenant", "clinique")
    assert "Object Lock: retained until" in out.output


def test_a_declared_replica_and_a_backup_artefact_are_found(env: Env) -> None:
    s3 = env.s3()
    purge(s3, env.buckets["data"])
    replica = make_bucket(s3, f"clinique-replica-{secrets.token_hex(3)}")
    s3.put_object(Bucket=replica, Key="dossiers/patient-1.json", Body=b"{}")
    backups = make_bucket(s3, f"hebergeur-sauvegardes-{secrets.token_hex(3)}")
    s3.put_object(Bucket=backups, Key="clinique/fichiers/2026-11-30.tar", Body=b"tar")
    s3.put_object(Bucket=backups, Key="labo/fichiers/2026-11-30.tar", Body=b"tar")  # another tenant's set
    env.tenants[0]["targets"]["s3"][0]["buckets"][0]["replicas"] = [replica]
    env.tenants[0]["targets"]["backup"] = [backup_target(env, backups)]
    env.write_fleet()
    code, report, _ = check(env)
    assert code == 1
    kinds = {(r["kind"], r["location"]) for r in report["remains"]}
    assert ("replica", replica) in kinds and ("replica", f"{replica}/dossiers/patient-1.json") in kinds
    assert ("backup-artefact", f"{backups}/clinique/fichiers/2026-11-30.tar") in kinds
    assert not any("labo" in r["location"] for r in report["remains"])  # another tenant's set is not counted


def test_another_tenants_buckets_are_never_inspected(env: Env) -> None:
    purge(env.s3(), env.buckets["data"])
    code, report, output = check(env)
    assert code == 0, report
    assert env.buckets["labo"] not in output
    [rec] = env.records("destruction")
    assert env.buckets["labo"] not in json.dumps(rec)


def test_a_scratch_restore_left_on_the_scratch_server_remains(env: Env, pg: Any) -> None:
    purge(env.s3(), env.buckets["data"])
    backups = make_bucket(env.s3(), f"hebergeur-sauvegardes-{secrets.token_hex(3)}")
    pg.psql("DO $$ BEGIN CREATE ROLE scratch_rev LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
    pg.psql("CREATE DATABASE hds_restore_1_abcdef OWNER scratch_rev;")
    try:
        target = backup_target(env, backups, fmt="pg_custom")
        target["sets"][0]["restore"] = {"scratch_dsn": {"env": env_var(pg.dsn("postgres", user="scratch_rev"))}}
        env.tenants[0]["targets"]["backup"] = [target]
        env.write_fleet()
        code, report, output = check(env)
        assert code == 1
        [left] = [r for r in report["remains"] if r["kind"] == "scratch-database"]
        assert left["location"].endswith(": hds_restore_1_abcdef")
        assert "scratch_rev@" not in output  # the DSN is named by its reference, never shown
    finally:
        pg.psql("DROP DATABASE hds_restore_1_abcdef;")


def test_a_tenant_database_still_on_the_server_remains(env: Env, pg: Any) -> None:
    purge(env.s3(), env.buckets["data"])
    env.tenants[0]["targets"]["postgresql"] = [
        {"name": "base", "dsn": {"env": env_var(pg.dsn("dossiers", user="lecture_clinique"))}}
    ]
    env.write_fleet()
    code, report, _ = check(env)
    assert code == 1
    assert {(r["kind"], r["location"]) for r in report["remains"]} == {("database", "base: dossiers")}


def test_bad_input_exits_2_and_writes_nothing(env: Env, tmp_path: Path) -> None:
    out = env.reversibility("destroy-check", "--tenant", "clinique", "-o", str(tmp_path / "b"))
    assert out.exit_code == 2 and "--signing-key" in out.output
    out = env.reversibility("destroy-check", "--tenant", "absent")
    assert out.exit_code == 2 and "unknown tenant" in out.output
    assert not env.store.exists()


def backup_target(env: Env, bucket: str, fmt: str = "tar") -> dict[str, Any]:
    return {
        "name": "sauvegardes",
        "storage": {
            "provider": "other",
            "endpoint_url": env.endpoint.url,
            "region": "eu-west-3",
            "addressing_style": "path",
            "credentials": env.refs,
            "bucket": bucket,
        },
        "protected_site": {"region": "eu-west-1"},
        "sets": [{"name": "fichiers", "prefix": "clinique/fichiers/", "format": fmt}],
    }
