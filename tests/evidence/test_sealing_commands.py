"""Issue 18 item 2: `run` and `audit` take --signing-key (or HDS_SIGNING_KEY), seal the run and
print the key id they sealed with; a bad key is refused before anything is swept or stored."""

from __future__ import annotations

import json

from controlplane.evidence import generate_key
from controlplane.store import EvidenceStore
from tests.cli.conftest import hdsctl
from tests.reliability.evidence_runs import write_closed_fleet
from tests.support.fleet import tenant, write_fleet


def test_run_seals_with_the_key_from_the_environment_and_prints_its_id(tmp_path):
    _, _, kid = generate_key(tmp_path / "k")
    fleet = write_closed_fleet(tmp_path / "hds.yaml")
    store = tmp_path / "ev.sqlite"
    out = hdsctl("run", "-c", str(fleet), "--store", str(store), env={"HDS_SIGNING_KEY": str(tmp_path / "k")})
    assert out.returncode == 1, out.stderr  # every check errors (closed port)
    assert f"with key id {kid}" in out.stdout
    as_json = hdsctl(
        "run", "-c", str(fleet), "--store", str(store), "--format", "json", "--signing-key", str(tmp_path / "k")
    )
    doc = json.loads(as_json.stdout)
    assert doc["sealed_with_key_id"] == kid
    s = EvidenceStore.open(str(store), create=False)
    try:
        assert {seal["key_id"] for seal in s.seals(None, doc["run_id"])} == {kid}
    finally:
        s.close()


def test_audit_seals_the_audited_run_and_prints_the_key_id(tmp_path):
    _, _, kid = generate_key(tmp_path / "k")
    fleet = write_fleet(tmp_path / "hds.yaml", [tenant("sauvegarde-seule", [6])])
    store = tmp_path / "ev.sqlite"
    out = hdsctl(
        "audit", "-c", str(fleet), "--store", str(store), "--tenant", "sauvegarde-seule",
        "-o", str(tmp_path / "audit"), "--signing-key", str(tmp_path / "k"),
    )  # fmt: skip
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert f"clé {kid}" in out.stdout
    verified = hdsctl("evidence", "verify", "--store", str(store), "--public-key", str(tmp_path / "k.pub"))
    assert verified.returncode == 0 and "sauvegarde-seule: SEALED" in verified.stdout, verified.stdout


def test_a_bad_signing_key_is_refused_before_the_audit_sweeps(tmp_path):
    (tmp_path / "bad.key").write_text("not a key")
    fleet = write_fleet(tmp_path / "hds.yaml", [tenant("a", [6])])
    out = hdsctl(
        "audit", "-c", str(fleet), "--store", str(tmp_path / "ev.sqlite"), "--tenant", "a",
        "-o", str(tmp_path / "o"), "--signing-key", str(tmp_path / "bad.key"),
    )  # fmt: skip
    assert out.returncode == 2 and "--signing-key" in out.stderr and len(out.stderr.splitlines()) == 1
    assert not (tmp_path / "ev.sqlite").exists()
