"""End to end with the real `hdsctl` and the TLS plugin against real local TLS servers: a pool of
three shared endpoints (one with an expired certificate) serving two of three tenants. Each served
tenant gets the pool's results once, `evidence verify` holds for every tenant, each tenant's
report names only the pools serving it, and `--tenant` runs only what the tenant depends on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.support.fleet import tenant, write_fleet
from tests.support.tls_fixtures import target_for

HDSCTL = str(Path(sys.executable).with_name("hdsctl"))
POOL = "pool-bmc"
TENANTS = ("clinique-alpha", "hopital-beta", "labo-gamma")
ALPHA, BETA, GAMMA = TENANTS
OTHER = "frontal-lyon"  # a group serving the third tenant only


def hdsctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HDS_", "OTEL_"))}
    return subprocess.run([HDSCTL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def pool_config(tmp_path, tls_server, ca) -> Path:
    servers = [tls_server(f"bmc-{i}", ["bmc.test"]) for i in (1, 2)]
    servers.append(tls_server("bmc-3", ["bmc.test"], days_valid=-1, not_before_days=30))  # expired
    own = tls_server("own", ["portail.test"])
    tenants = [tenant(tid, [4], {"tls": [target_for(own, ca)]}) for tid in TENANTS]
    path = write_fleet(tmp_path / "hds.yaml", tenants, {"workers": 4, "retries": 0})
    pool = [{**target_for(s, ca, "bmc.test"), "name": f"bmc-{i}"} for i, s in enumerate(servers, 1)]
    doc = yaml.safe_load(path.read_text())
    doc["platform"] = [
        {"id": POOL, "serves": [ALPHA, BETA], "targets": {"tls": pool}},
        {"id": OTHER, "serves": [GAMMA], "targets": {"tls": [{**target_for(own, ca), "name": "api"}]}},
    ]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _results(store: Path, run_id: str, tid: str, cwd: Path) -> list[dict]:
    proc = hdsctl("runs", "show", run_id, "--store", str(store), "--tenant", tid, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr  # 1: the run has failures
    return json.loads(proc.stdout)["results"]


def test_a_pool_serving_two_of_three_tenants_end_to_end(tmp_path, pool_config):
    store = tmp_path / "evidence.sqlite"
    run = hdsctl("run", "-c", str(pool_config), "--store", str(store), "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the expired pool certificate fails
    run_id = json.loads(run.stdout)["run_id"]
    for tid in (ALPHA, BETA):
        results = _results(store, run_id, tid, tmp_path)
        per_target = Counter((r["control"], r["target"]) for r in results if r["target"].startswith(f"{POOL}/"))
        assert {t for _c, t in per_target} == {f"{POOL}/bmc-{i}" for i in (1, 2, 3)}
        assert set(per_target.values()) == {1}
        expired = [r for r in results if r["target"] == f"{POOL}/bmc-3" and r["status"] == "fail"]
        assert expired and all(r["evidence"]["shared_platform"] == POOL for r in expired)
        assert not any(r["target"].startswith(f"{OTHER}/") for r in results)
    assert not any(r["target"].startswith(f"{POOL}/") for r in _results(store, run_id, GAMMA, tmp_path))

    verify = hdsctl("evidence", "verify", "--store", str(store), "--format", "json", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout[-2000:]

    for tid, shows, hides in ((ALPHA, POOL, OTHER), (GAMMA, OTHER, POOL)):
        page = tmp_path / f"{tid}.html"
        made = hdsctl("report", "--store", str(store), "--tenant", tid, "-o", str(page), cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        html = page.read_text()
        assert "Plateforme partagée" in html and f"<code>{shows}</code>" in html and hides not in html
        assert [t for t in TENANTS if t != tid and t in html] == []


def test_tenant_filter_runs_the_pool_for_that_tenant_only(tmp_path, pool_config):
    store = tmp_path / "evidence.sqlite"
    run = hdsctl(
        "run", "-c", str(pool_config), "--store", str(store), "--tenant", BETA, "--format", "json", cwd=tmp_path
    )
    run_id = json.loads(run.stdout)["run_id"]
    results = _results(store, run_id, BETA, tmp_path)
    tls = {r["target"] for r in results if r["target_kind"] == "tls"}
    assert tls == {"portail"} | {f"{POOL}/bmc-{i}" for i in (1, 2, 3)}
    whole = hdsctl("runs", "show", run_id, "--store", str(store), "--format", "json", cwd=tmp_path)
    assert {r["tenant"] for r in json.loads(whole.stdout)["results"]} == {BETA}
