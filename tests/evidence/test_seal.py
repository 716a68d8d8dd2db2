"""Sealing a run: one signature per tenant over count and first/last hash, once, never over
tampered records."""

from __future__ import annotations

import base64

import pytest

from controlplane.errors import InputError
from controlplane.evidence import generate_key, load_public_key, seal_payload, seal_run
from controlplane.store import EvidenceStore
from tests.support.results import begin, result, write_run
from tests.support.sweeps import ALPHA, BETA
from tests.support.tamper import open_raw, row


@pytest.fixture
def key(tmp_path):
    private, public, _ = generate_key(tmp_path / "seal.key")
    return private, public


def test_a_seal_per_tenant_signs_count_and_first_and_last_hash(tmp_path, key):
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    write_run(store, "r1", [result("r1", t, n) for n in range(3) for t in ("alpha", "beta")])
    outcome = seal_run(store, "r1", key[0])
    assert {t.tenant: t.record_count for t in outcome.tenants} == {"alpha": 3, "beta": 3}
    public = load_public_key(key[1])
    for seal in store.seals():
        records = list(store.results("r1", seal["tenant"]))
        assert seal["first_record_hash"] == records[0]["record_hash"]
        assert seal["last_record_hash"] == records[-1]["record_hash"]
        public.verify(base64.b64decode(seal["signature"]), seal_payload(seal))  # raises if invalid
    store.close()


def test_a_run_is_sealed_once(swept, store_copy, key):
    store = EvidenceStore.open(str(store_copy), create=False)
    with pytest.raises(InputError, match="already sealed"):
        seal_run(store, swept.runs[0], key[0])
    store.close()


def test_a_running_run_is_not_sealed(tmp_path, key):
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    begin(store, "r1", ["alpha"])
    store.add(result("r1", "alpha"))
    with pytest.raises(InputError, match="still running"):
        seal_run(store, "r1", key[0])
    store.close()


def test_tampered_records_are_never_sealed(tmp_path, key):
    path = tmp_path / "ev.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(store, "r1", [result("r1", "alpha", n, control=f"TLS-0{n + 1}") for n in range(3)])
    store.close()
    conn = open_raw(path)
    target = row(conn, "r1", "alpha", "TLS-02")
    conn.execute("UPDATE results SET status = 'fail' WHERE id = ?", (target["id"],))
    conn.close()
    store = EvidenceStore.open(str(path), create=False)
    with pytest.raises(InputError, match=f"record seq {target['seq']} of tenant alpha does not match its hash"):
        seal_run(store, "r1", key[0])
    assert store.seals() == []
    store.close()


def test_the_swept_runs_are_sealed_for_both_tenants(swept, store_copy):
    store = EvidenceStore.open(str(store_copy), create=False)
    assert sorted((s["run_id"], s["tenant"]) for s in store.seals()) == sorted(
        (r, t) for r in swept.runs for t in (ALPHA, BETA)
    )
    assert {s["key_id"] for s in store.seals()} == {swept.key_id}
    store.close()
