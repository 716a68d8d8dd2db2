"""A run cut short mid-pool is resumed without storing a shared result twice or losing one for a
served tenant; a second run compares each tenant's shared results with its own previous ones."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from controlplane.drift import tenant_drift
from controlplane.evidence.tenant_verify import verify_tenant
from controlplane.runner import execute, prepare, prepare_resume, remaining_plan
from controlplane.store import EvidenceStore
from tests.platform.pool import POOL, POOL_TARGETS, SERVED, UNSERVED, pool_fleet

CONTROLS = ["REL-01", "REL-02", "REL-05"]


class _Interrupt(Exception):
    pass


@pytest.fixture
def store(tmp_path: Path):
    s = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    yield s
    s.close()


def test_resume_after_an_interruption_stores_each_shared_check_once_per_tenant(tmp_path, rel_registry, store):
    config = pool_fleet(tmp_path / "hds.yaml")
    config.write_text(config.read_text().replace("workers: 4", "workers: 1"))
    seen = []

    def stop_midway(result):
        seen.append(result)
        if len(seen) == 12:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        execute(prepare(config, control_ids=CONTROLS, registry=rel_registry), store, on_result=stop_midway)
    run_id = seen[0].run_id
    assert store.get_run(run_id).status == "interrupted"
    before = sum(1 for _ in store.results(run_id))
    prepared, point = prepare_resume(config, store, run_id, rel_registry)
    assert 0 < point.done < 3 * 2 + 3 * 2 * 3  # own targets + pool targets x served tenants, per control
    outcome = execute(prepared, store, resume=point)
    assert outcome.status == "completed" and before < sum(1 for _ in store.results(run_id))
    keys = Counter((r["tenant"], r["control"], r["target"]) for r in store.results(run_id))
    expected = {(t, c, f"own-{t}") for t in (*SERVED, UNSERVED) for c in CONTROLS}
    expected |= {(t, c, f"{POOL}/{n}") for t in SERVED for c in CONTROLS for n in POOL_TARGETS}
    assert keys == dict.fromkeys(expected, 1)
    for tid in (*SERVED, UNSERVED):
        assert verify_tenant(store, tid).ok


def test_remaining_plan_keeps_each_served_tenant_with_its_own_controls(tmp_path, rel_registry):
    prepared = prepare(pool_fleet(tmp_path / "hds.yaml"), control_ids=CONTROLS, registry=rel_registry)
    unit = next(u for u in prepared.plan.units if u.target_name == f"{POOL}/bmc-1")
    assert [t.id for t in unit.served] == [SERVED[0]] * 3 + [SERVED[1]] * 3
    done = {(SERVED[0], c, f"{POOL}/bmc-1") for c in CONTROLS} | {(SERVED[1], "REL-01", f"{POOL}/bmc-1")}
    left = next(u for u in remaining_plan(prepared.plan, done).units if u.target_name == f"{POOL}/bmc-1")
    assert [(t.id, p.control.id) for t, p in zip(left.served, left.controls, strict=True)] == [
        (SERVED[1], "REL-02"),
        (SERVED[1], "REL-05"),
    ]


def test_drift_compares_a_tenants_shared_results_with_its_own_previous_run(tmp_path, rel_registry, store):
    config = pool_fleet(tmp_path / "hds.yaml")
    execute(prepare(config, control_ids=["REL-02"], registry=rel_registry), store)
    second = execute(prepare(config, control_ids=["REL-02"], registry=rel_registry), store)
    drift = tenant_drift(store, second.run_id, SERVED[0])
    assert sorted(i.target for i in drift.still_failing) == sorted(
        [f"{POOL}/{n}" for n in POOL_TARGETS] + [f"own-{SERVED[0]}"]
    )
    assert not drift.new_failures
    unserved = tenant_drift(store, second.run_id, UNSERVED)
    assert [i.target for i in unserved.still_failing] == [f"own-{UNSERVED}"]
