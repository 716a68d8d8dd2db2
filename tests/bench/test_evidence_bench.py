from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from evidence import fill

from controlplane.evidence import verify_store
from controlplane.store import EvidenceStore
from tests.support.tamper import open_raw


def test_evidence_benchmark_fills_seals_and_verifies_every_record(tmp_path):
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    fill(store, records=600, tenants=3, runs=2, key=Ed25519PrivateKey.generate())
    verification = verify_store(store)
    store.close()
    assert verification.ok
    assert sum(t.records for t in verification.tenants) == 600
    assert all(len(t.sealed_runs) == 2 for t in verification.tenants)


def test_a_filled_store_altered_by_one_byte_fails_verification(tmp_path):
    path = tmp_path / "ev.sqlite"
    store = EvidenceStore.open(str(path))
    fill(store, records=60, tenants=2, runs=1, key=Ed25519PrivateKey.generate())
    store.close()
    raw = open_raw(path)
    raw.execute("UPDATE results SET message = message || '.' WHERE id = 7")
    raw.close()
    store = EvidenceStore.open(str(path), create=False)
    verification = verify_store(store)
    store.close()
    problems = [p for t in verification.tenants for p in t.problems]
    assert [p.kind for p in problems][:1] == ["altered"] and problems[0].row_id == 7
