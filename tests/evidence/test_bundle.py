"""`evidence export`: a self-contained bundle that verifies offline with a plain Python (standard
library only), with openssl and sha256sum, and holds nothing of any other tenant."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from controlplane.errors import InputError
from controlplane.evidence import export_bundle
from controlplane.store import EvidenceStore
from tests.support.sweeps import ALPHA, BETA, BETA_MARKERS
from tests.support.tamper import open_raw


def export(store_path: Path, out: Path, tenant: str = ALPHA, **kw):
    store = EvidenceStore.open(str(store_path), create=False)
    try:
        return export_bundle(store, tenant, out, **kw)
    finally:
        store.close()


PLAIN_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
"""The system interpreter when there is one (not this project's virtualenv)."""


def run_verifier(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The bundled verifier in a plain interpreter: isolated mode, no site-packages at all."""
    return subprocess.run(
        [PLAIN_PYTHON, "-I", "-S", str(bundle / "verify_bundle.py"), str(bundle), *args],
        capture_output=True,
        text=True,
        cwd=bundle,
        check=False,
    )


@pytest.fixture
def bundle(swept, store_copy, tmp_path) -> Path:
    export(store_copy, tmp_path / "bundle")
    return tmp_path / "bundle"


def test_the_bundle_holds_records_seals_key_verifier_and_readme(swept, bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {"records.json", "seals.json", "manifest.json", "README.md", "verify_bundle.py", "SHA256SUMS"} <= names
    assert f"keys/{swept.key_id}.pem" in names
    assert {f"seals/{r}.payload" for r in swept.runs} | {f"seals/{r}.sig" for r in swept.runs} <= names
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["tenant"] == ALPHA
    assert manifest["record_count"] == 10
    assert manifest["chain"]["from_genesis"] is True
    assert [r["run_id"] for r in manifest["runs"]] == list(swept.runs)
    readme = (bundle / "README.md").read_text()
    assert "sha256sum -c SHA256SUMS" in readme and "openssl pkeyutl -verify" in readme


def test_the_bundle_verifies_offline_with_a_plain_python(swept, bundle):
    pinned = run_verifier(bundle, "--public-key", str(swept.public_key_path))
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert f"OK: tenant {ALPHA}, 10 records, 2 seals" in pinned.stdout
    unpinned = run_verifier(bundle)
    assert unpinned.returncode == 0
    assert swept.key_id in unpinned.stdout


def test_the_bundle_holds_no_other_tenants_data(swept, store_copy, bundle):
    store = EvidenceStore.open(str(store_copy), create=False)
    beta_hashes = [r["record_hash"] for r in store.chain(BETA)]
    beta_hashes += [s["signature"] for s in store.seals(BETA)]
    store.close()
    for path in bundle.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", errors="replace")
            for marker in (*BETA_MARKERS, *beta_hashes):
                assert marker not in content, f"{marker!r} found in {path.name}"


def test_a_single_run_bundle_verifies_on_its_own(swept, store_copy, tmp_path):
    summary = export(store_copy, tmp_path / "one", run_id=swept.runs[1])
    assert summary.runs == (swept.runs[1],) and summary.records == 5
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["chain"]["from_genesis"] is False
    result = run_verifier(tmp_path / "one", "--public-key", str(swept.public_key_path))
    assert result.returncode == 0, result.stdout + result.stderr


def _resum(bundle: Path) -> None:
    """An attacker who edits the bundle also fixes SHA256SUMS."""
    lines = []
    for line in (bundle / "SHA256SUMS").read_text().splitlines():
        name = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((bundle / name).read_bytes()).hexdigest()}  {name}")
    (bundle / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def test_an_edited_record_is_named_by_the_offline_verifier(swept, bundle):
    records = json.loads((bundle / "records.json").read_text())
    victim = next(r for r in records if r["status"] == "fail")
    victim["status"] = "pass"
    (bundle / "records.json").write_text(json.dumps(records))
    assert "does not match SHA256SUMS" in run_verifier(bundle).stdout
    _resum(bundle)
    result = run_verifier(bundle, "--public-key", str(swept.public_key_path))
    assert result.returncode == 1
    assert f"record run {victim['run_id']} seq {victim['seq']}" in result.stdout
    assert "was altered" in result.stdout


def test_a_removed_record_or_forged_seal_fails_offline(swept, bundle, tmp_path):
    records = json.loads((bundle / "records.json").read_text())
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "records.json").write_text(json.dumps(records[:-1]))
    manifest["record_count"] = len(records) - 1
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    _resum(bundle)
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert f"seal of run {swept.runs[1]} covers 5 records, the bundle holds 4" in result.stdout

    (bundle / "records.json").write_text(json.dumps(records))
    manifest["record_count"] = len(records)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    seals = json.loads((bundle / "seals.json").read_text())
    seals[0]["record_count"] = 4
    (bundle / "seals.json").write_text(json.dumps(seals))
    _resum(bundle)
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert f"seal of run {swept.runs[0]} does not verify" in result.stdout


def test_the_readme_openssl_and_sha256sum_steps_work(swept, bundle):
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=bundle, check=False).returncode == 0
    readme = (bundle / "README.md").read_text()
    commands = re.findall(r"^openssl pkeyutl .*$", readme, flags=re.MULTILINE)
    assert len(commands) == 2
    for command in commands:
        out = subprocess.run(command.split(), cwd=bundle, capture_output=True, text=True, check=False)
        assert out.returncode == 0 and "Signature Verified Successfully" in out.stdout, out.stdout + out.stderr
    payload = bundle / "seals" / f"{swept.runs[0]}.payload"
    payload.write_bytes(payload.read_bytes().replace(b'"record_count":5', b'"record_count":4'))
    out = subprocess.run(commands[0].split(), cwd=bundle, capture_output=True, text=True, check=False)
    assert out.returncode != 0


def test_unsealed_runs_are_refused_unless_allowed(swept, store_copy, tmp_path):
    conn = open_raw(store_copy)
    conn.execute("DELETE FROM seals WHERE run_id = ? AND tenant = ?", (swept.runs[1], ALPHA))
    conn.close()
    with pytest.raises(InputError, match=f"run {swept.runs[1]} is not sealed"):
        export(store_copy, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()
    summary = export(store_copy, tmp_path / "allowed", allow_unsealed=True)
    assert summary.unsealed == (swept.runs[1],)
    result = run_verifier(tmp_path / "allowed")
    assert result.returncode == 0
    assert f"WARNING: run {swept.runs[1]} was exported unsealed" in result.stdout


def test_export_refuses_a_non_empty_directory_and_unknown_tenants(store_copy, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InputError, match="not an empty directory"):
        export(store_copy, tmp_path / "full")
    with pytest.raises(InputError, match="no evidence for tenant 'inconnu'"):
        export(store_copy, tmp_path / "b", tenant="inconnu")
