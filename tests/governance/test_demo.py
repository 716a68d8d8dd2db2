"""`hdsctl demo` end to end (issue 16): the compliant tenant shows all six activities, its
attestations and the demo waiver are sealed evidence, and the SoA and report list them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HDSCTL = str(Path(sys.executable).with_name("hdsctl"))


def hdsctl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HDSCTL, *args], capture_output=True, text=True, timeout=600, check=False, cwd=cwd)


def test_demo_shows_six_activities_attestations_and_a_waiver(tmp_path: Path):
    work = tmp_path / "demo"
    proc = hdsctl("demo", "--workdir", str(work))
    assert proc.returncode == 1, proc.stderr[-3000:]  # two demo tenants are not compliant
    row = next(line for line in proc.stdout.splitlines() if line.startswith("clinique-sud"))
    cells = row.split()[1:7]
    assert all(c != "-" for c in cells), row  # activities 1 to 6 all evidenced
    assert all(c.split("/")[1] == "0" and c.split("/")[2] == "0" for c in cells), row  # and all passing
    assert "Waived: 1 failure covered by W-DEMO-001" in proc.stdout

    store = work / "hds-evidence.sqlite"
    verify = hdsctl("evidence", "verify", "--store", str(store), "--public-key", str(work / "signing-key.pub"))
    assert verify.returncode == 0, verify.stdout[-3000:]  # attestations and waiver records sealed too

    listed = json.loads(hdsctl("attestations", "list", "--store", str(store), "--format", "json").stdout)
    # hopital-nord shares the site dc-paris-1 but contracts no physical activity: not covered
    assert {r["tenant"] for r in listed} == {"clinique-sud"}
    assert {"PHY-01", "PHY-02", "HW-01", "HW-02", "GOV-11", "K8S-15"} <= {r["control"] for r in listed}
    assert {r["outcome"] for r in listed} == {"valid"}

    pages = {}
    for tenant in ("hopital-nord", "clinique-sud"):
        page = tmp_path / f"{tenant}.html"
        made = hdsctl("report", "--store", str(store), "--tenant", tenant, "--format", "html", "-o", str(page))
        assert made.returncode == 0, made.stderr
        pages[tenant] = page.read_text()
    assert "W-DEMO-001" in pages["hopital-nord"] and "Claire Martin, RSSI" in pages["hopital-nord"]
    assert "W-DEMO-001" not in pages["clinique-sud"]  # a tenant's report never shows another's waiver
    assert pages["clinique-sud"].count('class="attestation-row"') == len(listed)
