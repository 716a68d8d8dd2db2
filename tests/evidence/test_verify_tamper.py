"""`verify` catches every kind of tampering done directly on the SQLite file and names the first
bad record: altered byte, deleted row, reordered rows, rewritten-and-rehashed rows, forged seal."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.errors import InputError
from controlplane.evidence import key_id, load_public_key, seal_payload, verify_store
from controlplane.evidence.keys import public_b64
from controlplane.store import EvidenceStore
from tests.support.sweeps import ALPHA, BETA
from tests.support.tamper import open_raw, rehash, row, swap_rows


def verify(path, swept, pinned=True, **scope):
    store = EvidenceStore.open(str(path), create=False)
    try:
        key = load_public_key(swept.public_key_path) if pinned else None
        return verify_store(store, public_key=key, **scope)
    finally:
        store.close()


def tenant_result(verification, tenant):
    return next(t for t in verification.tenants if t.tenant == tenant)


def alpha_problems(verification):
    """Alpha was tampered with; beta, untouched, must still verify."""
    assert tenant_result(verification, BETA).ok
    assert not verification.ok
    return tenant_result(verification, ALPHA).problems


def next_in_chain(conn, rec):
    found = conn.execute(
        "SELECT * FROM results WHERE tenant = ? AND id > ? ORDER BY id LIMIT 1", (rec["tenant"], rec["id"])
    ).fetchone()
    return dict(found)


def test_untouched_evidence_verifies_with_the_pinned_key(swept, store_copy):
    result = verify(store_copy, swept)
    assert result.ok
    assert result.pinned_key_id == swept.key_id
    for t in result.tenants:
        assert t.records == 10
        assert t.sealed_runs == list(swept.runs)
        assert t.unsealed_runs == []


@pytest.mark.parametrize(
    ("column", "sql"),
    [
        ("message", "UPDATE results SET message = replace(message, 'TLSv1', 'TLSv2') WHERE id = ?"),
        ("status", "UPDATE results SET status = 'pass' WHERE id = ?"),
        ("evidence", "UPDATE results SET evidence = replace(evidence, 'TLSv1.1', 'TLSv1.3') WHERE id = ?"),
    ],
)
def test_an_altered_byte_names_the_record(swept, store_copy, column, sql):
    conn = open_raw(store_copy)
    target = row(conn, swept.runs[0], ALPHA, "TLS-01")
    assert conn.execute(sql, (target["id"],)).rowcount == 1
    conn.close()

    (problem,) = alpha_problems(verify(store_copy, swept))
    assert problem.kind == "altered"
    assert (problem.run_id, problem.seq, problem.row_id) == (swept.runs[0], target["seq"], target["id"])
    assert f"run {swept.runs[0]} seq {target['seq']}" in problem.message


def test_a_deleted_record_is_named_by_the_record_that_followed_it(swept, store_copy):
    conn = open_raw(store_copy)
    deleted = row(conn, swept.runs[0], ALPHA, "TLS-03")
    follower = next_in_chain(conn, deleted)
    conn.execute("DELETE FROM results WHERE id = ?", (deleted["id"],))
    conn.close()

    problems = alpha_problems(verify(store_copy, swept))
    assert problems[0].kind == "missing"
    assert (problems[0].run_id, problems[0].seq) == (swept.runs[0], follower["seq"])
    assert "a record is missing before" in problems[0].message
    assert [(p.kind, p.run_id) for p in problems[1:]] == [("seal_mismatch", swept.runs[0])]


def test_a_deleted_last_record_is_caught_by_the_seal(swept, store_copy):
    conn = open_raw(store_copy)
    last = dict(conn.execute("SELECT * FROM results WHERE tenant = ? ORDER BY id DESC LIMIT 1", (ALPHA,)).fetchone())
    before = dict(
        conn.execute(
            "SELECT * FROM results WHERE tenant = ? AND id < ? ORDER BY id DESC LIMIT 1", (ALPHA, last["id"])
        ).fetchone()
    )
    conn.execute("DELETE FROM results WHERE id = ?", (last["id"],))
    conn.close()

    (problem,) = alpha_problems(verify(store_copy, swept))
    assert problem.kind == "seal_mismatch"
    assert (problem.run_id, problem.seq) == (swept.runs[1], before["seq"])
    assert "covers 5 records" in problem.message and "holds 4" in problem.message


def test_reordered_records_name_the_one_out_of_place(swept, store_copy):
    conn = open_raw(store_copy)
    first = row(conn, swept.runs[0], ALPHA, "TLS-02")
    second = next_in_chain(conn, first)
    swap_rows(conn, first["id"], second["id"])
    conn.close()

    problems = alpha_problems(verify(store_copy, swept))
    assert problems[0].kind == "reordered"
    assert (problems[0].run_id, problems[0].seq, problems[0].row_id) == (swept.runs[0], second["seq"], first["id"])
    assert f"seq {first['seq']}" in problems[0].message
    assert {p.kind for p in problems} == {"reordered"}  # no content changed, the seal still matches


def test_a_rewritten_and_rehashed_record_breaks_the_next_link(swept, store_copy):
    conn = open_raw(store_copy)
    target = row(conn, swept.runs[0], ALPHA, "TLS-03")
    follower = next_in_chain(conn, target)
    conn.execute("UPDATE results SET status = 'pass', message = 'certificate covers it' WHERE id = ?", (target["id"],))
    rehash(conn, ALPHA, target["id"], to_id=target["id"])
    conn.close()

    problems = alpha_problems(verify(store_copy, swept))
    assert problems[0].kind == "missing"
    assert (problems[0].run_id, problems[0].seq) == (swept.runs[0], follower["seq"])
    assert "rewritten and re-hashed" in problems[0].message


def test_a_rewritten_chain_tail_is_caught_by_the_seals(swept, store_copy):
    conn = open_raw(store_copy)
    target = row(conn, swept.runs[0], ALPHA, "TLS-03")
    conn.execute("UPDATE results SET status = 'pass' WHERE id = ?", (target["id"],))
    rehash(conn, ALPHA, target["id"])  # every later hash recomputed: the chain itself is consistent
    conn.close()

    problems = alpha_problems(verify(store_copy, swept))
    assert [(p.kind, p.run_id) for p in problems] == [
        ("seal_mismatch", swept.runs[0]),
        ("seal_mismatch", swept.runs[1]),
    ]


def test_a_forged_seal_fails_its_signature(swept, store_copy):
    conn = open_raw(store_copy)
    conn.execute("UPDATE seals SET record_count = 4 WHERE run_id = ? AND tenant = ?", (swept.runs[0], ALPHA))
    conn.close()
    for pinned in (True, False):
        (problem,) = alpha_problems(verify(store_copy, swept, pinned=pinned))
        assert (problem.kind, problem.run_id) == ("seal_signature", swept.runs[0])
        assert "forged or altered seal" in problem.message


def _resign_with_attacker_key(store_copy, swept):
    """Delete alpha's last record, then re-seal its run with the attacker's own key."""
    attacker = Ed25519PrivateKey.generate()
    conn = open_raw(store_copy)
    last = conn.execute("SELECT id FROM results WHERE tenant = ? ORDER BY id DESC LIMIT 1", (ALPHA,)).fetchone()
    conn.execute("DELETE FROM results WHERE id = ?", (last["id"],))
    new_last = conn.execute(
        "SELECT record_hash FROM results WHERE tenant = ? ORDER BY id DESC LIMIT 1", (ALPHA,)
    ).fetchone()
    seal = dict(conn.execute("SELECT * FROM seals WHERE run_id = ? AND tenant = ?", (swept.runs[1], ALPHA)).fetchone())
    seal |= {
        "record_count": 4,
        "last_record_hash": new_last["record_hash"],
        "key_id": key_id(attacker.public_key()),
        "public_key": public_b64(attacker.public_key()),
    }
    seal["signature"] = base64.b64encode(attacker.sign(seal_payload(seal))).decode()
    conn.execute(
        "UPDATE seals SET record_count = ?, last_record_hash = ?, key_id = ?, public_key = ?, signature = ? "
        "WHERE id = ?",
        (4, seal["last_record_hash"], seal["key_id"], seal["public_key"], seal["signature"], seal["id"]),
    )
    conn.close()


def test_a_seal_resigned_with_another_key_is_caught_when_the_key_is_pinned(swept, store_copy):
    _resign_with_attacker_key(store_copy, swept)
    (problem,) = alpha_problems(verify(store_copy, swept))
    assert (problem.kind, problem.run_id) == ("seal_key", swept.runs[1])
    assert "signed by another key" in problem.message


def test_without_a_pinned_key_a_resigned_seal_goes_unnoticed(swept, store_copy):
    """The documented limit: seals checked against the key stored with them prove integrity
    since sealing, not who sealed. This is why `verify --public-key` exists."""
    _resign_with_attacker_key(store_copy, swept)
    assert verify(store_copy, swept, pinned=False).ok


def test_a_deleted_seal_leaves_the_run_unsealed_which_fails_only_when_seals_are_required(swept, store_copy):
    """Unsealed is not tampering (issue 18): a run never sealed and a run whose seal was deleted
    look alike without a witness. `--require-seals` makes either fail; a witness tells them apart
    (tests/reliability/test_witness.py)."""
    conn = open_raw(store_copy)
    conn.execute("DELETE FROM seals WHERE run_id = ? AND tenant = ?", (swept.runs[0], ALPHA))
    conn.close()
    for pinned in (True, False):
        result = verify(store_copy, swept, pinned=pinned)
        alpha = tenant_result(result, ALPHA)
        assert alpha.ok and alpha.problems == []
        assert (alpha.verdict, alpha.unsealed_runs) == ("unsealed", [swept.runs[0]])
        assert tenant_result(result, BETA).verdict == "sealed"
        assert (result.verdict, result.exit_code(), result.exit_code(require_seals=True)) == ("unsealed", 0, 1)


def test_a_tenant_verifies_without_any_other_tenants_data(swept, store_copy):
    conn = open_raw(store_copy)
    conn.execute("DELETE FROM results WHERE tenant = ?", (BETA,))
    conn.execute("DELETE FROM seals WHERE tenant = ?", (BETA,))
    conn.close()
    result = verify(store_copy, swept, tenant=ALPHA)
    assert [t.tenant for t in result.tenants] == [ALPHA]
    assert result.ok


def test_scope_by_run_checks_that_runs_seals(swept, store_copy):
    result = verify(store_copy, swept, tenant=ALPHA, run_id=swept.runs[0])
    assert result.ok
    assert result.tenants[0].runs == [swept.runs[0]]


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"tenant": "inconnu"}, "no evidence for tenant 'inconnu'"),
        ({"run_id": "no-such-run"}, "no run 'no-such-run'"),
        ({"tenant": "inconnu", "run_id": "RUN0"}, "is not in run"),
    ],
)
def test_unknown_tenant_or_run_is_bad_input(swept, store_copy, scope, message):
    if scope.get("run_id") == "RUN0":
        scope = scope | {"run_id": swept.runs[0]}
    with pytest.raises(InputError, match=message):
        verify(store_copy, swept, **scope)
