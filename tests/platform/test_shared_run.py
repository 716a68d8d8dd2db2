"""A shared pool is collected once per run and its results land in each served tenant's own
chain: one record per served tenant, none for the others, each chain verifiable alone and
free of any other tenant's id."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from controlplane.evidence.tenant_verify import verify_tenant
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.platform.pool import POOL, POOL_TARGETS, SERVED, UNSERVED, collects, pool_fleet
from tests.reliability import rel_plugin

TENANTS = (*SERVED, UNSERVED)
CONTROLS = ["REL-01", "REL-05"]  # rel.ok (activities 5, 6) and rel.sees (records what the check saw)


@pytest.fixture
def store(tmp_path: Path):
    s = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    yield s
    s.close()


def _keys(store: EvidenceStore, run_id: str, tenant: str) -> Counter[tuple[str, str]]:
    return Counter((r["control"], r["target"]) for r in store.results(run_id, tenant))


def test_pool_is_collected_once_and_stored_once_per_served_tenant(tmp_path, rel_registry, store):
    outcome = execute(prepare(pool_fleet(tmp_path / "hds.yaml"), control_ids=CONTROLS, registry=rel_registry), store)
    assert outcome.status == "completed"
    assert len(collects(POOL)) == len(POOL_TARGETS)  # once per shared target, not once per tenant
    for tid in TENANTS:
        assert len(collects(tid)) == 1  # its own target only
    pool_keys = {(c, f"{POOL}/{t}") for c in CONTROLS for t in POOL_TARGETS}
    for tid in SERVED:
        keys = _keys(store, outcome.run_id, tid)
        assert {k: n for k, n in keys.items() if k in pool_keys} == dict.fromkeys(pool_keys, 1)
        assert set(keys) == pool_keys | {(c, f"own-{tid}") for c in CONTROLS}
    assert set(_keys(store, outcome.run_id, UNSERVED)) == {(c, f"own-{UNSERVED}") for c in CONTROLS}


def test_a_shared_result_names_its_group_and_is_checked_for_its_own_tenant(tmp_path, rel_registry, store):
    outcome = execute(prepare(pool_fleet(tmp_path / "hds.yaml"), control_ids=CONTROLS, registry=rel_registry), store)
    for tid in SERVED:
        shared = [r for r in store.results(outcome.run_id, tid) if r["target"].startswith(f"{POOL}/")]
        assert shared and all(r["evidence"]["shared_platform"] == POOL for r in shared)
        sees = [r for r in shared if r["control"] == "REL-05"]
        assert [r["evidence"]["tenant"] for r in sees] == [tid] * 3  # the check ran with this tenant's view
        observed = [r["evidence"]["observed"] for r in shared if r["control"] == "REL-01"]
        assert {o["tenant"] for o in observed} == {POOL}  # collected for the group, not for a tenant
    own = list(store.results(outcome.run_id, UNSERVED))
    assert own and not any("shared_platform" in r["evidence"] for r in own)


def test_each_chain_verifies_and_holds_no_other_tenants_id(tmp_path, rel_registry, store):
    outcome = execute(prepare(pool_fleet(tmp_path / "hds.yaml"), control_ids=CONTROLS, registry=rel_registry), store)
    for tid in TENANTS:
        check = verify_tenant(store, tid)
        assert check.ok and check.records > 0, check.problems
        text = json.dumps(list(store.results(outcome.run_id, tid)))
        assert [other for other in TENANTS if other != tid and other in text] == []


def test_tenant_filter_runs_only_its_own_targets_and_the_pools_serving_it(tmp_path, rel_registry, store):
    config = pool_fleet(tmp_path / "hds.yaml")
    outcome = execute(prepare(config, tenant_ids=[SERVED[0]], control_ids=CONTROLS, registry=rel_registry), store)
    assert len(collects(POOL)) == 3 and len(collects(SERVED[0])) == 1
    assert collects(SERVED[1]) == [] and collects(UNSERVED) == []
    assert {r["tenant"] for r in store.results(outcome.run_id)} == {SERVED[0]}
    assert len(_keys(store, outcome.run_id, SERVED[0])) == 2 * 4

    again = execute(prepare(config, tenant_ids=[UNSERVED], control_ids=CONTROLS, registry=rel_registry), store)
    assert len(collects(POOL)) == 3  # the pool serves neither: not collected again
    assert set(_keys(store, again.run_id, UNSERVED)) == {(c, f"own-{UNSERVED}") for c in CONTROLS}


def test_a_tenant_without_own_target_is_checked_on_the_pool_alone(tmp_path, rel_registry, store):
    config = pool_fleet(tmp_path / "hds.yaml", own=(SERVED[0], UNSERVED))
    outcome = execute(prepare(config, control_ids=["REL-01"], registry=rel_registry), store)
    results = list(store.results(outcome.run_id, SERVED[1]))
    assert sorted(r["target"] for r in results) == [f"{POOL}/{t}" for t in POOL_TARGETS]
    assert {r["status"] for r in results} == {"pass"}
    unserved = list(store.results(outcome.run_id, UNSERVED))
    assert [r["status"] for r in unserved] == ["pass"]


def test_a_pool_that_hangs_gives_each_served_tenant_an_error_never_a_pass(tmp_path, rel_registry, store):
    closed = tmp_path / "never-opened"
    config = pool_fleet(tmp_path / "hds.yaml")
    text = config.read_text().replace("- name: bmc-2\n", f"- name: bmc-2\n      gate: {closed}\n")
    text = text.replace("retries: 0", "retries: 0\n  collect_timeout_s: 0.5")
    config.write_text(text)
    outcome = execute(prepare(config, control_ids=CONTROLS, registry=rel_registry), store)
    assert outcome.status == "completed"
    for tid in SERVED:
        hung = [r for r in store.results(outcome.run_id, tid) if r["target"] == f"{POOL}/bmc-2"]
        assert sorted(r["control"] for r in hung) == CONTROLS
        assert {r["status"] for r in hung} == {"error"}
        others = [r for r in store.results(outcome.run_id, tid) if r["target"] != f"{POOL}/bmc-2"]
        assert {r["status"] for r in others} == {"pass"}


def test_platform_credentials_stay_with_the_platform(tmp_path, rel_registry, store, monkeypatch):
    """The pool's token is resolved by the pool's collection only, and no tenant's collection
    ever reaches it; no stored record of any tenant holds its value."""
    monkeypatch.setenv("HDS_POOL_TOKEN", "pool-secret-9Xq4")
    targets = {"rel": [{"name": n, "token": {"env": "HDS_POOL_TOKEN"}} for n in POOL_TARGETS]}
    config = pool_fleet(tmp_path / "hds.yaml", targets=targets)
    outcome = execute(prepare(config, control_ids=CONTROLS, registry=rel_registry), store)
    assert [c["resolved"] for c in collects(POOL)] == [["pool-secret-9Xq4"]] * 3
    for tid in TENANTS:
        assert [c["resolved"] for c in collects(tid)] == [[]]
        assert "pool-secret-9Xq4" not in json.dumps(list(store.results(outcome.run_id, tid)))


def test_a_check_on_the_pool_reaches_nothing_of_another_served_tenant(tmp_path, rel_registry, store):
    """rel.sees records every string reachable from what the core hands the check (snapshot,
    context, target): for a served tenant, the pool's names and its own id, never the other's."""
    execute(prepare(pool_fleet(tmp_path / "hds.yaml"), control_ids=["REL-05"], registry=rel_registry), store)
    on_pool = [s for s in rel_plugin.seen if s["where"] == "check" and any(POOL in x for x in s["strings"])]
    assert sorted(s["tenant"] for s in on_pool) == sorted([*SERVED] * len(POOL_TARGETS))
    for entry in on_pool:
        strings = "\n".join(entry["strings"])
        assert entry["tenant"] in strings
        assert [t for t in TENANTS if t != entry["tenant"] and t in strings] == []
