"""The shortcuts taken for speed give exactly what the slow, documented definitions give:
canonical JSON, the record's canonical form assembled from its fields, hashes written by the
batch insert, and the integrity check of stored records (both backends)."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore, RunRecord
from controlplane.store.chain import HASHED_FIELDS, canonical_json, record_body, record_hash


def reference_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
)


@given(json_values)
def test_canonical_json_is_json_dumps_with_the_documented_arguments(value):
    assert canonical_json(value) == reference_json(value)


@pytest.mark.parametrize(
    "bad",
    [{"x": math.nan}, {"x": math.inf}, {"x": object()}, {1: "a", "b": 2}],
    ids=["nan", "inf", "object", "mixed-keys"],
)
def test_canonical_json_refuses_what_json_dumps_refuses_and_recovers(bad):
    with pytest.raises((TypeError, ValueError)) as ours:
        canonical_json(bad)
    with pytest.raises(type(ours.value)):
        reference_json(bad)
    assert canonical_json({"after": [1, 2]}) == '{"after":[1,2]}'


def test_canonical_json_still_detects_circular_references():
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular"):
        canonical_json(loop)
    shared = {"a": 1}
    assert canonical_json({"x": shared, "y": shared}) == '{"x":{"a":1},"y":{"a":1}}'


def result_of(text: str, number: float, seq_run: str, evidence: dict[str, Any]) -> CheckResult:
    return CheckResult(
        run_id=seq_run,
        tenant=f"t-{text[:5]}",
        control="S3-01",
        check="s3.default_encryption",
        target_kind="s3",
        target=text,
        resource=text[::-1],
        status=Status.failed,
        message=f"« {text} »",
        evidence=evidence,
        hds_activities=(3, 4),
        iso27001=("A.8.24", "A.5.23"),
        started_at="2025-06-01T02:00:00.123+00:00",
        duration_ms=number,
        plugin="s3",
        plugin_version="0.1.0",
    )


@settings(max_examples=200)
@given(st.text(), st.floats(min_value=0, max_value=1e9), st.integers(min_value=0), st.dictionaries(st.text(), scalars))
def test_the_record_body_assembled_from_fields_is_its_canonical_json(text, number, seq, evidence):
    result = result_of(text, number, "run-1", evidence)
    record = {**result.as_dict(), "seq": seq}
    body = record_body(
        result,
        seq,
        canonical_json(result.evidence),
        canonical_json(result.hds_activities),
        canonical_json(result.iso27001),
        round(result.duration_ms, 3),
    )
    assert body == reference_json({k: record[k] for k in HASHED_FIELDS})


TRICKY = [
    "plain",
    "é à ç",
    'quote " back \\ slash',
    "tab\tnew\nline\r",
    "\x01\x1f\x7f",  # no NUL: PostgreSQL text cannot hold it
    "\u2028\u2029",
    "😀 𝄞",
    "",
]


def tricky_results(run_id: str, count: int) -> list[CheckResult]:
    rng = random.Random(7)
    out = []
    for n in range(count):
        text = "".join(rng.choice(TRICKY) for _ in range(3))
        evidence = {rng.choice(TRICKY): [rng.random() * 1e6, n, None, True, {"k": rng.choice(TRICKY)}]}
        out.append(result_of(text or "x", rng.random() * 1000, run_id, evidence))
    return out


def filled_store(location: str, count: int = 120) -> EvidenceStore:
    store = EvidenceStore.open(location)
    run = RunRecord("run-1", "2025-06-01T00:00:00Z", None, "running", "t", "d", "d", {}, [], count, None)
    store.begin_run(run)
    for result in tricky_results("run-1", count):
        store.add(result)
    store.finish_run("run-1", "completed", "2025-06-01T00:01:00Z", {})
    return store


def test_hashes_written_by_the_batch_insert_follow_the_documented_definition(store_location):
    store = filled_store(store_location)
    try:
        records = [r for t in store.tenants() for r in store.chain(t)]
        assert len(records) == 120
        assert all(record_hash(r["prev_hash"], r) == r["record_hash"] for r in records)
        checked = [r for t in store.tenants() for r in store.chain_integrity(t)]
        assert len(checked) == 120 and all(r["intact"] for r in checked)
        assert [(r["row_id"], r["record_hash"]) for r in checked] == [(r["row_id"], r["record_hash"]) for r in records]
    finally:
        store.close()


def _execute(store: EvidenceStore, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """Plain SQL as an attacker with database access would run it (`?` placeholders)."""
    if store.dialect == "postgresql":
        sql = sql.replace("?", "%s")
    with store.engine.begin() as conn:
        result = conn.exec_driver_sql(sql, params)
        return result.scalar() if result.returns_rows else None


def _unprotect(store: EvidenceStore) -> None:
    if store.dialect == "postgresql":
        _execute(store, "ALTER TABLE results DISABLE TRIGGER USER")
    else:
        for name in ("results_no_update", "results_no_delete"):
            _execute(store, f"DROP TRIGGER {name}")


def _integrity(store: EvidenceStore) -> dict[int, bool]:
    return {r["row_id"]: r["intact"] for t in store.tenants() for r in store.chain_integrity(t)}


def test_integrity_check_accepts_reformatted_json_and_catches_changed_content(store_location):
    store = filled_store(store_location, 20)
    try:
        ids = sorted(_integrity(store))
        _unprotect(store)
        evidence = _execute(store, "SELECT evidence FROM results WHERE id = ?", (ids[3],))
        spaced = json.dumps(json.loads(evidence), indent=2, ensure_ascii=True)  # same content, other bytes
        _execute(store, "UPDATE results SET evidence = ? WHERE id = ?", (spaced, ids[3]))
        _execute(store, "UPDATE results SET message = message || 'x' WHERE id = ?", (ids[5],))
        _execute(store, "UPDATE results SET duration_ms = duration_ms + 1 WHERE id = ?", (ids[8],))
        intact = _integrity(store)
        assert intact[ids[3]] is True  # re-formatted only: verified by parsing and re-encoding, as before
        assert [i for i, ok in intact.items() if not ok] == [ids[5], ids[8]]
    finally:
        store.close()


def test_one_tenants_results_of_a_run_are_that_tenants_rows_in_order(store_location):
    store = filled_store(store_location, 60)
    try:
        every = list(store.results("run-1"))
        assert [r["seq"] for r in every] == list(range(60))
        for tenant in store.tenants():
            mine = list(store.results("run-1", tenant))
            assert mine == [r for r in every if r["tenant"] == tenant]
    finally:
        store.close()
