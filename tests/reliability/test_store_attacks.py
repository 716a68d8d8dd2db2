"""Issue 20, case 4: `evidence verify --public-key` skipped runs whose status was "running", and
a lease from another host with a heartbeat in the future counted as live for ever. The attack:
edit the last run, re-hash, delete its seal, mark it running with such a lease → verify said OK
(exit 0) and the fake lease blocked every later run of those tenants. Now the run is verified as
far as its records go and reported UNSEALED (in progress or not), the forged lease is reported as
invalid and blocks nothing; `--require-seals` fails it and a witness names the deleted seal."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.reliability.evidence_runs import TENANTS, Runs, hdsctl
from tests.support.tamper import open_raw, rehash

ALPHA, BETA = TENANTS
TEN_YEARS = 10 * 365 * 86400


def hide_a_rewrite_behind_a_forged_lease(store: Path, run_id: str, heartbeat_at: float) -> None:
    conn = open_raw(store)
    first = conn.execute("SELECT min(id) FROM results WHERE run_id = ? AND tenant = ?", (run_id, ALPHA)).fetchone()[0]
    conn.execute("UPDATE results SET status = 'pass', message = 'all good' WHERE id = ?", (first,))
    rehash(conn, ALPHA, first)
    conn.execute("DELETE FROM seals WHERE run_id = ?", (run_id,))
    conn.execute("UPDATE runs SET status = 'running', finished_at = NULL, counts = NULL WHERE run_id = ?", (run_id,))
    conn.execute(
        "INSERT INTO run_leases (run_id, tenants, exclusive, host, pid, process_start, acquired_at, heartbeat_at) "
        "VALUES (?, ?, 1, 'attacker-host pid:[4026531836]', 4242, '', ?, ?)",
        (run_id, json.dumps(sorted(TENANTS)), time.time(), heartbeat_at),
    )
    conn.close()


def test_a_run_marked_running_with_a_future_lease_is_not_verified_by_omission(tmp_path: Path) -> None:
    runs = Runs(tmp_path, f"file://{tmp_path / 'witness.jsonl'}")
    runs.run()
    runs.run()
    last = runs.run_ids[-1]
    hide_a_rewrite_behind_a_forged_lease(runs.store, last, time.time() + TEN_YEARS)

    out = runs.verify("--format", "json")
    doc = json.loads(out.stdout)
    alpha = next(t for t in doc["tenants"] if t["tenant"] == ALPHA)
    assert last in alpha["runs"] and alpha["unsealed_runs"] == [last]  # not skipped
    assert alpha["verdict"] == "unsealed" and doc["verdict"] == "unsealed"
    assert alpha["in_progress_runs"] == []  # the forged lease is not live
    assert any("is invalid" in n and "in the future" in n for n in alpha["notes"]), alpha["notes"]

    text = runs.verify()
    assert f"{ALPHA}: UNSEALED" in text.stdout and f"unsealed: {last}" in text.stdout
    assert ": OK" not in text.stdout and "SEALED —" not in text.stdout.replace("UNSEALED —", "")
    assert runs.verify("--require-seals").exit_code == 1

    witnessed = json.loads(runs.verify("--witness", runs.witness, "--format", "json").stdout)
    alpha = next(t for t in witnessed["tenants"] if t["tenant"] == ALPHA)
    kinds = {p["kind"] for p in alpha["problems"]}
    assert {"seal_deleted", "witness_mismatch", "counts_forged"} <= kinds, alpha["problems"]

    listed = json.loads(hdsctl("runs", "list", "--store", str(runs.store), "--format", "json").stdout)
    assert {r["run_id"]: r["status"] for r in listed}[last] == "interrupted"
    runs.run()  # the forged lease blocks nothing: a new run of the same tenants goes ahead


def test_a_live_run_in_progress_is_verified_so_far_and_reported_unsealed(tmp_path: Path) -> None:
    """A real run still in progress (its lease is this process's, fresh): its records are
    checked, it is named in progress, and it is unsealed — never OK by omission."""
    from controlplane.evidence import load_public_key, verify_store
    from controlplane.store import EvidenceStore
    from tests.support.results import begin, result

    runs = Runs(tmp_path)
    runs.run()
    store = EvidenceStore.open(str(runs.store))
    try:
        begin(store, "r-live", [ALPHA])
        for n in range(3):
            store.add(result("r-live", ALPHA, n))
        store.flush()
        verification = verify_store(store, public_key=load_public_key(runs.public_key))
        alpha = next(t for t in verification.tenants if t.tenant == ALPHA)
        assert (alpha.verdict, alpha.in_progress_runs, alpha.unsealed_runs) == ("unsealed", ["r-live"], ["r-live"])
        assert any("r-live is in progress (lease live" in n for n in alpha.notes), alpha.notes
        assert verification.exit_code(require_seals=True) == 1
        conn = open_raw(runs.store)  # the in-progress run's records are verified as they stand
        conn.execute("UPDATE results SET message = 'changed' WHERE run_id = 'r-live' AND seq = 1")
        conn.close()
        alpha = next(t for t in verify_store(store).tenants if t.tenant == ALPHA)
        assert [(p.kind, p.run_id, p.seq) for p in alpha.problems] == [("altered", "r-live", 1)]
    finally:
        store.close()
