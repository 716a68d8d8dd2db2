"""`hdsctl evidence keygen|seal|verify|export`: exit codes 0 intact, 1 tampered, 2 bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run
from tests.support.sweeps import ALPHA, BETA
from tests.support.tamper import open_raw, row


def hdsctl(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_keygen_then_seal_then_verify_a_run_standalone(tmp_path):
    store = tmp_path / "ev.sqlite"
    s = EvidenceStore.open(str(store))
    write_run(s, "r1", [result("r1", t, n) for n in range(2) for t in ("alpha", "beta")])
    s.close()
    out = hdsctl("evidence", "keygen", "-o", str(tmp_path / "seal.key"))
    assert out.exit_code == 0 and "Key id:" in out.output
    assert hdsctl("evidence", "keygen", "-o", str(tmp_path / "seal.key")).exit_code == 2

    sealed = hdsctl(
        "evidence", "seal", "--store", str(store), "--run", "r1", env={"HDS_SIGNING_KEY": str(tmp_path / "seal.key")}
    )
    assert sealed.exit_code == 0, sealed.output
    assert "sealed run r1 for alpha: 2 records" in sealed.output
    again = hdsctl("evidence", "seal", "--store", str(store), "--run", "r1", "--key", str(tmp_path / "seal.key"))
    assert again.exit_code == 2 and "already sealed" in again.output

    verified = hdsctl("evidence", "verify", "--store", str(store), "--public-key", str(tmp_path / "seal.key.pub"))
    assert verified.exit_code == 0, verified.output
    assert "alpha: SEALED — 2 records, chain intact, 1/1 runs sealed" in verified.output


def test_verify_exits_1_and_names_the_tampered_record(swept, store_copy):
    conn = open_raw(store_copy)
    target = row(conn, swept.runs[1], ALPHA, "TLS-04")
    conn.execute("UPDATE results SET status = 'pass' WHERE id = ?", (target["id"],))
    conn.close()
    out = hdsctl("evidence", "verify", "--store", str(store_copy), "--public-key", str(swept.public_key_path))
    assert out.exit_code == 1
    assert f"{ALPHA}: TAMPERED — altered: record run {swept.runs[1]} seq {target['seq']}" in out.output
    assert f"{BETA}: SEALED" in out.output

    as_json = hdsctl("evidence", "verify", "--store", str(store_copy), "--tenant", ALPHA, "--format", "json")
    assert as_json.exit_code == 1
    doc = json.loads(as_json.output)
    assert doc["ok"] is False
    assert doc["tenants"][0]["problems"][0]["seq"] == target["seq"]


def test_verify_unpinned_says_how_to_pin(swept, store_copy):
    out = hdsctl("evidence", "verify", "--store", str(store_copy))
    assert out.exit_code == 0
    assert "pass --public-key to pin the signer" in out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "{tmp}/absent.sqlite"], "no evidence store"),
        (["--store", "{store}", "--tenant", "inconnu"], "no evidence for tenant 'inconnu'"),
        (["--store", "{store}", "--run", "nope"], "no run 'nope'"),
        (["--store", "{store}", "--public-key", "{tmp}/absent.pem"], "cannot read"),
        (["--store", "{store}", "--public-key", "{store}"], "is not a PEM public key"),
    ],
)
def test_verify_bad_input_exits_2_with_one_line(store_copy, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, store=store_copy) for a in args]
    out = CliRunner().invoke(cli, ["evidence", "verify", *args])
    assert out.exit_code == 2
    assert message in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_export_writes_a_bundle_that_verifies(swept, store_copy, tmp_path):
    out = hdsctl("evidence", "export", "--store", str(store_copy), "--tenant", ALPHA, "-o", str(tmp_path / "b"))
    assert out.exit_code == 0, out.output
    assert f"Bundle for {ALPHA}" in out.output
    check = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(tmp_path / "b" / "verify_bundle.py"),
            "--public-key",
            str(swept.public_key_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
