"""Verifying tenants in parallel processes (large stores, `hdsctl evidence verify --jobs`) gives
exactly the verdict of verifying them one after the other, tampering included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from controlplane.evidence import load_public_key, verify_store
from controlplane.evidence.parallel import MIN_RECORDS_PER_PROCESS, choose_jobs
from controlplane.store import EvidenceStore
from tests.support.sweeps import ALPHA, BETA
from tests.support.tamper import open_raw, row


def both_ways(path, swept):
    store = EvidenceStore.open(str(path), create=False)
    try:
        key = load_public_key(swept.public_key_path)
        serial = verify_store(store, public_key=key)
        parallel = verify_store(store, public_key=key, location=str(path), jobs=2)
    finally:
        store.close()
    return serial.as_dict(), parallel.as_dict()


def test_untouched_store_same_verdict(swept, store_copy):
    serial, parallel = both_ways(store_copy, swept)
    assert serial == parallel and parallel["ok"] is True
    assert [t["tenant"] for t in parallel["tenants"]] == sorted([ALPHA, BETA])
    assert all(t["records"] == 10 for t in parallel["tenants"])


def test_tampering_found_the_same_in_each_tenant(swept, store_copy):
    conn = open_raw(store_copy)
    altered = row(conn, swept.runs[0], ALPHA, "TLS-01")
    conn.execute("UPDATE results SET status = 'pass' WHERE id = ?", (altered["id"],))
    deleted = row(conn, swept.runs[1], BETA, "TLS-03")
    conn.execute("DELETE FROM results WHERE id = ?", (deleted["id"],))
    conn.close()
    serial, parallel = both_ways(store_copy, swept)
    assert serial == parallel and parallel["ok"] is False
    kinds = {t["tenant"]: [p["kind"] for p in t["problems"]] for t in parallel["tenants"]}
    assert kinds[ALPHA] == ["altered"]
    assert "missing" in kinds[BETA]


def test_cli_jobs_option_reports_like_the_serial_verification(swept, store_copy):
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        args = ["evidence", "verify", "--store", str(store_copy), "--public-key", str(swept.public_key_path)]
        exe = Path(sys.executable).with_name("hdsctl")  # the console script, as an auditor runs it
        return subprocess.run(
            [str(exe), *args, "--format", "json", *extra], capture_output=True, text=True, timeout=120
        )

    serial, parallel = run("--jobs", "1"), run("--jobs", "2")
    assert serial.returncode == parallel.returncode == 0, parallel.stderr
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)


@pytest.mark.parametrize(
    ("records", "tenants", "requested", "expected"),
    [(10, 50, None, 1), (MIN_RECORDS_PER_PROCESS * 64, 1, None, 1), (10, 50, 3, 3), (10, 2, 8, 2)],
)
def test_processes_only_where_they_pay(records, tenants, requested, expected):
    jobs = choose_jobs(records, tenants, requested)
    assert jobs == expected
    if requested is not None:
        assert jobs == min(requested, tenants)
