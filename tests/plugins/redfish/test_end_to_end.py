"""A 3-server pool shared by two tenants (declared once in `platform:`), and another tenant's own
pool, through the real scheduler: each served tenant's chain holds the pool's results (one per
server per control, marked with the shared group), the evidence verifies, no tenant sees another's
pool, and no BMC password is stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from controlplane.results import SHARED_PLATFORM_KEY
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.plugins.redfish.helpers import CONTROLS, NOW, env_var


def _pool(name: str, urls: list[str], ca: Path, user: str, password: str) -> dict:
    return {
        "name": name,
        "endpoints": list(urls),
        "username": {"env": user},
        "password": {"env": password},
        "ca_bundle": str(ca),
        "expected_accounts": ["hds-audit", "ops-admin"],
    }


def test_pool_results_land_in_each_served_tenant_chain(bmcs, bmc_ca, tmp_path, monkeypatch):
    monkeypatch.setenv("HDS_NOW", NOW)
    user, password = env_var("hds-audit"), env_var("pool-secret-Pa55word")
    other_password = env_var("other-secret-Pa55word")
    shared = [bmcs[n].url for n in ("compliant", "ipmi-on", "degraded-raid")]
    contract = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}  # copied per tenant: no YAML alias
    tenants = [
        ("clinique-a", [2, 5], {}),
        ("hopital-b", [1, 2], {}),
        (
            "labo-c",
            [2],
            {"redfish": [_pool("pool-lyon", [bmcs["single-psu"].url], bmc_ca.ca_path, user, other_password)]},
        ),
    ]
    fleet = {
        "version": 1,
        "runtime": {"workers": 4, "collect_timeout_s": 60, "retries": 0},
        "platform": [
            {
                "id": "pool-paris",
                "serves": ["clinique-a", "hopital-b"],
                "targets": {"redfish": [_pool("serveurs", shared, bmc_ca.ca_path, user, password)]},
            }
        ],
        "tenants": [
            {"id": tid, "name": tid, "activities": acts, "contract": dict(contract), "targets": targets}
            for tid, acts, targets in tenants
        ],
    }
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    store_path = tmp_path / "evidence.sqlite"
    prepared = prepare(config, control_ids=CONTROLS)
    with EvidenceStore.open(str(store_path)) as store:
        outcome = execute(prepared, store)
        assert outcome.status == "completed"
        results = list(store.results(outcome.run_id))

    def of(tenant: str) -> list[dict]:
        return [r for r in results if r["tenant"] == tenant]

    for tenant in ("clinique-a", "hopital-b"):
        rows = of(tenant)
        assert {r["target"] for r in rows} == {"pool-paris/serveurs"}
        assert {r["evidence"].get(SHARED_PLATFORM_KEY) for r in rows} == {"pool-paris"}
        # RF-02 and RF-03 judge each server's one storage controller, the others one resource each
        assert len([r for r in rows if r["control"] == "RF-01"]) == 3
        failed = {(r["control"], r["resource"].split(" ")[0]) for r in rows if r["status"] == "fail"}
        ipmi, raid = (bmcs[n].url.removeprefix("https://") for n in ("ipmi-on", "degraded-raid"))
        assert failed == {("RF-06", ipmi), ("RF-02", raid)}
    # RF-10 also evidences activity 1: hopital-b contracts it, clinique-a does not
    assert {tuple(r["hds_activities"]) for r in of("hopital-b") if r["control"] == "RF-10"} == {(1, 2)}
    assert {tuple(r["hds_activities"]) for r in of("clinique-a") if r["control"] == "RF-10"} == {(2,)}
    lyon = of("labo-c")
    assert {r["target"] for r in lyon} == {"pool-lyon"}
    assert {r["status"] for r in lyon if r["control"] == "RF-01"} == {"fail"}
    assert not any(bmcs["compliant"].url.removeprefix("https://") in r["resource"] for r in lyon)
    stored = json.dumps(results)
    assert "pool-secret-Pa55word" not in stored and "other-secret-Pa55word" not in stored

    hdsctl = str(Path(sys.executable).with_name("hdsctl"))
    proc = subprocess.run(
        [hdsctl, "evidence", "verify", "--store", str(store_path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
