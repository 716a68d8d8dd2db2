"""The evidence store behaves the same on SQLite and PostgreSQL: round trip, per-tenant chains,
append-only results and seals, forks refused, secrets kept out of messages."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from controlplane.errors import InputError
from controlplane.evidence import verify_store
from controlplane.results import Status
from controlplane.store import EvidenceStore, describe_location, schema
from controlplane.store.chain import GENESIS, record_hash
from tests.support.results import result, write_run


@pytest.fixture
def store(store_location):
    s = EvidenceStore.open(store_location)
    yield s
    s.close()


def test_results_round_trip_exactly(store):
    written = [result("r1", "alpha", 0, message="Données de santé « chiffrées »", evidence={"nested": {"a": [1, 2.5]}})]
    write_run(store, "r1", written)
    (back,) = list(store.results("r1"))
    expected = written[0].as_dict() | {"seq": 0}
    assert {k: back[k] for k in expected} == expected
    assert back["prev_hash"] == GENESIS
    assert back["record_hash"] == record_hash(GENESIS, back)


def test_each_tenant_has_its_own_chain(store):
    write_run(store, "r1", [result("r1", t, n) for n in range(3) for t in ("alpha", "beta")])
    write_run(store, "r2", [result("r2", t, n) for n in range(2) for t in ("beta", "alpha")])
    for tenant in ("alpha", "beta"):
        chain = list(store.chain(tenant))
        assert {r["tenant"] for r in chain} == {tenant}
        assert len(chain) == 5
        assert chain[0]["prev_hash"] == GENESIS
        for before, after in pairwise(chain):
            assert after["prev_hash"] == before["record_hash"]
    assert verify_store(store).ok


def test_results_of_one_tenant_only(store):
    write_run(store, "r1", [result("r1", "alpha", 0), result("r1", "beta", 1)])
    assert [r["tenant"] for r in store.results("r1", "beta")] == ["beta"]
    assert store.tenants() == ["alpha", "beta"]
    assert store.count_results("r1") == 2


def test_latest_and_previous_run_of_a_tenant(store):
    write_run(store, "r1", [result("r1", "alpha")])
    write_run(store, "r2", [result("r2", "beta")])
    write_run(store, "r3", [result("r3", "alpha")])
    assert store.latest_run("alpha").run_id == "r3"
    assert store.previous_run("alpha", "r3").run_id == "r1"
    assert store.previous_run("alpha", "r1") is None
    assert store.latest_run("gamma") is None


@pytest.mark.parametrize("statement", ["UPDATE results SET status = 'pass'", "DELETE FROM results"])
def test_results_are_append_only(store, statement):
    write_run(store, "r1", [result("r1", "alpha", status=Status.failed)])
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert [r["status"] for r in store.results("r1")] == ["fail"]


@pytest.mark.parametrize("statement", ["UPDATE seals SET record_count = 0", "DELETE FROM seals"])
def test_seals_are_append_only(store, statement, tmp_path):
    from controlplane.evidence import generate_key, seal_run

    write_run(store, "r1", [result("r1", "alpha")])
    key, _, _ = generate_key(tmp_path / "k")
    seal_run(store, "r1", key)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.seals()[0]["record_count"] == 1


def test_truncate_is_refused_on_postgresql(postgres_server):
    store = EvidenceStore.open(postgres_server.url(postgres_server.create_database()))
    try:
        write_run(store, "r1", [result("r1", "alpha")])
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE results"))
        assert store.count_results("r1") == 1
    finally:
        store.close()


def test_a_fork_of_a_chain_is_refused_by_the_database(store):
    write_run(store, "r1", [result("r1", "alpha", 0), result("r1", "alpha", 1)])
    first = next(store.chain("alpha"))
    fork = {k: v for k, v in first.items() if k not in ("row_id", "check")} | {"check_id": first["check"]}
    fork |= {"run_id": "rogue", "evidence": "{}", "hds_activities": "[3]", "iso27001": '["A.8.24"]'}
    with pytest.raises(DBAPIError, match=r"prev_hash|uq_results_tenant_prev"), store.engine.begin() as conn:
        conn.execute(insert(schema.results).values(**fork))


def test_reopening_keeps_data_and_enforcement(store_location):
    s = EvidenceStore.open(store_location)
    write_run(s, "r1", [result("r1", "alpha")])
    s.close()
    again = EvidenceStore.open(store_location, create=False)
    try:
        assert again.count_results("r1") == 1
        with pytest.raises(DBAPIError, match="append-only"), again.engine.begin() as conn:
            conn.execute(text("DELETE FROM results"))
    finally:
        again.close()


def test_unreachable_postgresql_is_an_input_error_without_the_password():
    url = "postgresql+psycopg://auditor:s3cr3t-pw@127.0.0.1:1/evidence"
    with pytest.raises(InputError) as info:
        EvidenceStore.open(url)
    message = info.value.one_line()
    assert "cannot open store" in message
    assert "s3cr3t-pw" not in message
    assert "s3cr3t-pw" not in describe_location(url)
    assert "***" in describe_location(url)


def test_missing_sqlite_store_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no evidence store"):
        EvidenceStore.open(str(tmp_path / "absent.sqlite"), create=False)


def test_the_store_as_a_context_manager_flushes_and_closes_even_when_the_block_raises(store_location):
    from tests.support.results import begin

    with pytest.raises(RuntimeError, match="cut short"), EvidenceStore.open(store_location) as s:
        begin(s, "r1", ["alpha"])
        s.add(result("r1", "alpha", 0))  # buffered: only a flush writes it
        raise RuntimeError("cut short")
    with EvidenceStore.open(store_location, create=False) as again:
        assert again.count_records() == 1
