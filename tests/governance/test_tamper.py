"""Attestations and waivers are evidence: altering a stored one (status, expiry, a document's
hash) is caught by `evidence verify` and by the bundle's offline verifier, naming the record."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.governance.conftest import Env, dump
from tests.support.tamper import open_raw, rehash

PLAIN_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

EDITS = {
    "status": lambda rec: rec.__setitem__("status", "fail"),
    "expiry": lambda rec: rec["evidence"].__setitem__("valid_until", "2099-12-31T23:59:59+00:00"),
    "document hash": lambda rec: rec["evidence"]["documents"][0].__setitem__("sha256", "0" * 64),
}


@pytest.fixture
def sealed(env: Env) -> tuple[Env, Path, str]:
    key = env.root / "key"
    assert env.hdsctl("evidence", "keygen", "-o", str(key)).exit_code == 0
    out = env.attest("PHY-01", "--tenant", "clinique", "--signing-key", str(key), "--format", "json")
    assert out.exit_code == 0, dump(out)
    return env, key, json.loads(out.output)["run_id"]


def _edit_row(store: Path, run_id: str, edit: str) -> None:
    conn = open_raw(store)
    row = dict(conn.execute("SELECT * FROM results WHERE run_id = ?", (run_id,)).fetchone())
    rec = {"status": row["status"], "evidence": json.loads(row["evidence"])}
    EDITS[edit](rec)
    conn.execute(
        "UPDATE results SET status = ?, evidence = ? WHERE id = ?",
        (rec["status"], json.dumps(rec["evidence"], sort_keys=True, separators=(",", ":")), row["id"]),
    )
    conn.close()


@pytest.mark.parametrize("edit", list(EDITS))
def test_evidence_verify_names_an_altered_attestation(sealed, edit):
    env, key, run_id = sealed
    assert env.hdsctl("evidence", "verify", "--store", str(env.store)).exit_code == 0
    _edit_row(env.store, run_id, edit)
    out = env.hdsctl("evidence", "verify", "--store", str(env.store), "--public-key", f"{key}.pub")
    assert out.exit_code == 1, dump(out)
    assert f"run {run_id} seq 0" in out.output and "PHY-01 on attestation" in out.output
    assert "was altered" in out.output


def test_a_rehashed_forgery_is_caught_by_the_seal(sealed):
    env, key, run_id = sealed
    _edit_row(env.store, run_id, "expiry")
    conn = open_raw(env.store)
    first = conn.execute("SELECT min(id) FROM results WHERE tenant = 'clinique'").fetchone()[0]
    rehash(conn, "clinique", first)
    conn.close()
    out = env.hdsctl("evidence", "verify", "--store", str(env.store), "--public-key", f"{key}.pub")
    assert out.exit_code == 1, dump(out)
    assert run_id in out.output


def _resum(bundle: Path) -> None:
    lines = []
    for line in (bundle / "SHA256SUMS").read_text().splitlines():
        name = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((bundle / name).read_bytes()).hexdigest()}  {name}")
    (bundle / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def _verifier(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PLAIN_PYTHON, "-I", "-S", str(bundle / "verify_bundle.py"), str(bundle), *args],
        capture_output=True,
        text=True,
        cwd=bundle,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_offline_verifier_names_an_altered_attestation(sealed, edit):
    env, key, run_id = sealed
    bundle = env.root / "bundle"
    out = env.hdsctl("evidence", "export", "--store", str(env.store), "--tenant", "clinique", "-o", str(bundle))
    assert out.exit_code == 0, dump(out)
    assert _verifier(bundle, "--public-key", f"{key}.pub").returncode == 0
    records = json.loads((bundle / "records.json").read_text())
    victim = next(r for r in records if r["run_id"] == run_id)
    assert victim["target_kind"] == "attestation"
    EDITS[edit](victim)
    (bundle / "records.json").write_text(json.dumps(records))
    _resum(bundle)
    result = _verifier(bundle, "--public-key", f"{key}.pub")
    assert result.returncode == 1, result.stdout
    assert f"record run {run_id} seq {victim['seq']}" in result.stdout and "was altered" in result.stdout


WAIVER_EDITS = {
    "status": lambda rec: rec.__setitem__("status", "fail"),
    "expiry": lambda rec: rec["evidence"]["waiver"].__setitem__("expires", "2099-12-31"),
    "approver": lambda rec: rec["evidence"]["waiver"].__setitem__("approved_by", "Paul Durand (exploitation)"),
}


@pytest.fixture
def waived(env: Env) -> tuple[Env, Path, str]:
    key = env.root / "key"
    assert env.hdsctl("evidence", "keygen", "-o", str(key)).exit_code == 0
    out = env.hdsctl(
        "waive", "-c", str(env.config), "--store", str(env.store), "--tenant", "labo", "--control", "HW-01",
        "--justification", "Contrat de maintenance en renouvellement.", "--compensating-measure",
        "Pièces de rechange sur site.", "--requested-by", "Paul", "--approved-by", "Claire",
        "--expires", "2026-12-31", "--approved-on", "2026-06-01", "--signing-key", str(key), now="2026-06-02",
    )  # fmt: skip
    assert out.exit_code == 0, dump(out)
    conn = open_raw(env.store)
    run_id = conn.execute("SELECT run_id FROM results WHERE target_kind = 'waiver'").fetchone()[0]
    conn.close()
    return env, key, run_id


@pytest.mark.parametrize("edit", list(WAIVER_EDITS))
def test_altered_waivers_are_named_by_both_verifiers(waived, edit):
    env, key, run_id = waived
    bundle = env.root / "bundle"
    assert (
        env.hdsctl("evidence", "export", "--store", str(env.store), "--tenant", "labo", "-o", str(bundle)).exit_code
        == 0
    )
    conn = open_raw(env.store)
    row = dict(conn.execute("SELECT * FROM results WHERE run_id = ?", (run_id,)).fetchone())
    rec = {"status": row["status"], "evidence": json.loads(row["evidence"])}
    WAIVER_EDITS[edit](rec)
    conn.execute(
        "UPDATE results SET status = ?, evidence = ? WHERE id = ?",
        (rec["status"], json.dumps(rec["evidence"], sort_keys=True, separators=(",", ":")), row["id"]),
    )
    conn.close()
    out = env.hdsctl("evidence", "verify", "--store", str(env.store), "--public-key", f"{key}.pub")
    assert out.exit_code == 1 and f"run {run_id} seq 0" in out.output and "HW-01 on waiver" in out.output, dump(out)

    records = json.loads((bundle / "records.json").read_text())
    victim = next(r for r in records if r["run_id"] == run_id)
    WAIVER_EDITS[edit](victim)
    (bundle / "records.json").write_text(json.dumps(records))
    _resum(bundle)
    result = _verifier(bundle, "--public-key", f"{key}.pub")
    assert result.returncode == 1 and f"record run {run_id} seq 0" in result.stdout, result.stdout
