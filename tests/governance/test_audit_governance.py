"""`hdsctl audit` (French features) over governance records: an expired attestation fails its
scenarios, a recorded waiver holds its scenario, and preuves.html lists both registers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.governance.conftest import Env
from tests.governance.test_waivers import WAIVER
from tests.support.governance import attest_all

HDSCTL = str(Path(sys.executable).with_name("hdsctl"))


def audit(env: Env, now: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HDSCTL, "audit", "-c", str(env.config), "--store", str(env.store), "--tenant", "clinique", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "HDS_NOW": now},
    )


def statuses(out: Path) -> dict[str, str]:
    result = {}
    for feature in json.loads((out / "cucumber.json").read_text()):
        for el in feature["elements"]:
            names = [t["name"].lstrip("@") for t in el["tags"]]
            tag = next(n for n in names if not n.startswith(("HDS-", "ISO-")))
            steps = {s["result"]["status"] for s in el["steps"]}
            result[tag] = "failed" if "failed" in steps else "skipped" if "skipped" in steps else "passed"
    return result


def test_audit_scenarios_and_evidence_document_cover_attestations_and_waivers(env: Env, monkeypatch, tmp_path):
    monkeypatch.setenv("HDS_NOW", "2026-03-01")
    attest_all(env.config, env.store, skip=("PHY-01",))
    (env.config.parent / "waivers.yaml").write_text(yaml.safe_dump({"version": 1, "waivers": [WAIVER]}))

    fresh = audit(env, "2026-03-10", tmp_path / "mars")
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr  # PHY-01 is waived, not attested
    got = statuses(tmp_path / "mars")
    assert got["derogations"] == "passed" and got["PHY-01"] == "failed" and got["HW-01"] == "passed"
    page = (tmp_path / "mars" / "preuves.html").read_text()
    assert "Registre des attestations" in page and "W-2026-001" in page and "Claire Martin (RSSI)" in page

    later = audit(env, "2027-03-10", tmp_path / "2027")  # past every 365-day attestation and the waiver
    got = statuses(tmp_path / "2027")
    assert later.returncode == 1
    assert got["attestations"] == "failed" and got["HW-01"] == "failed" and got["derogations"] == "failed"
    page = (tmp_path / "2027" / "preuves.html").read_text()
    assert "expirée" in page
