"""Seal versions: new seals (`hds-seal/2`) also cover the run's counts; version-1 seals made
before keep verifying — in the store, in a store created by the earlier schema (no counts_digest
column), and in an exported bundle with the offline verifier. The offline verifier keeps its own
copy of the hashing rule, pinned here to the store's."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys

from controlplane.evidence import (
    generate_key,
    key_id,
    load_public_key,
    load_signing_key,
    offline_verifier,
    seal_run,
    verify_store,
)
from controlplane.evidence.bundle import export_bundle
from controlplane.evidence.keys import public_b64
from controlplane.evidence.seal import SEAL_FORMAT, seal_payload
from controlplane.store import EvidenceStore
from controlplane.store.chain import HASHED_FIELDS, counts_digest
from tests.support.results import result, write_run

V1_SCHEMA_SEALS = """CREATE TABLE seals (id INTEGER NOT NULL, run_id VARCHAR(64) NOT NULL, tenant VARCHAR(64) NOT NULL,
record_count INTEGER NOT NULL, first_record_hash VARCHAR(64), last_record_hash VARCHAR(64),
sealed_at VARCHAR(40) NOT NULL, key_id VARCHAR(64) NOT NULL, public_key VARCHAR(64) NOT NULL,
signature VARCHAR(128) NOT NULL, PRIMARY KEY (id), CONSTRAINT uq_seals_run_tenant UNIQUE (run_id, tenant))"""


def test_the_offline_verifier_hashes_exactly_the_stores_fields():
    assert offline_verifier.HASHED_FIELDS == HASHED_FIELDS
    seal = {"run_id": "r", "tenant": "t", "record_count": 1, "first_record_hash": "a", "last_record_hash": "b"}
    seal |= {"sealed_at": "2026-01-01", "key_id": "k"}
    for digest in (None, "c" * 64):
        assert offline_verifier.seal_payload(seal | {"counts_digest": digest}) == seal_payload(
            seal | {"counts_digest": digest}
        )


def test_new_seals_are_version_2_and_cover_the_counts(tmp_path):
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    write_run(store, "r1", [result("r1", "alpha", n) for n in range(2)])
    private, _, _ = generate_key(tmp_path / "k")
    seal_run(store, "r1", private)
    (seal,) = store.seals()
    assert seal["counts_digest"] == counts_digest(store.get_run("r1").counts)
    assert json.loads(seal_payload(seal))["format"] == SEAL_FORMAT == "hds-seal/2"
    store.close()


def _old_store_with_a_v1_seal(tmp_path):
    """A store as the earlier schema made it, sealed with a version-1 seal."""
    path = tmp_path / "old.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(store, "r1", [result("r1", "alpha", n) for n in range(3)])
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE seals")
    conn.execute(V1_SCHEMA_SEALS)
    records = conn.execute("SELECT record_hash FROM results WHERE tenant = 'alpha' ORDER BY id").fetchall()
    private = load_signing_key(generate_key(tmp_path / "k")[0])
    public = private.public_key()
    seal = {
        "run_id": "r1",
        "tenant": "alpha",
        "record_count": 3,
        "first_record_hash": records[0][0],
        "last_record_hash": records[-1][0],
        "sealed_at": "2026-06-01T00:00:00.000+00:00",
        "key_id": key_id(public),
        "public_key": public_b64(public),
    }
    assert json.loads(seal_payload(seal))["format"] == "hds-seal/1"
    seal["signature"] = base64.b64encode(private.sign(seal_payload(seal))).decode()
    conn.execute(f"INSERT INTO seals ({', '.join(seal)}) VALUES ({', '.join('?' * len(seal))})", tuple(seal.values()))
    conn.close()
    return path


def test_a_version_1_seal_in_a_store_of_the_earlier_schema_still_verifies(tmp_path):
    path = _old_store_with_a_v1_seal(tmp_path)
    store = EvidenceStore.open(str(path), create=False)  # the column is added, the old seal kept as is
    try:
        result_ = verify_store(store, public_key=load_public_key(tmp_path / "k.pub"))
        assert result_.verdict == "sealed", [p.message for t in result_.tenants for p in t.problems]
        (seal,) = store.seals()
        assert seal["counts_digest"] is None
        bundle = tmp_path / "bundle"
        export_bundle(store, "alpha", bundle)
    finally:
        store.close()
    check = subprocess.run(
        [sys.executable, "-I", "-S", str(bundle / "verify_bundle.py"), "--public-key", str(tmp_path / "k.pub")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_clearing_the_counts_digest_of_a_version_2_seal_breaks_its_signature(tmp_path):
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    write_run(store, "r1", [result("r1", "alpha", n) for n in range(2)])
    seal_run(store, "r1", generate_key(tmp_path / "k")[0])
    store.close()
    conn = sqlite3.connect(tmp_path / "ev.sqlite", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE seals SET counts_digest = NULL")  # a downgrade to version 1, to forge counts
    conn.execute("UPDATE runs SET counts = ?", ('{"pass": 99}',))
    conn.close()
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"), create=False)
    try:
        (alpha,) = verify_store(store, public_key=load_public_key(tmp_path / "k.pub")).tenants
        assert [p.kind for p in alpha.problems] == ["seal_signature"]
    finally:
        store.close()
