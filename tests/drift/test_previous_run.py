"""Drift across real runs in a real (SQLite) evidence store: each tenant against its own
previous completed run, whatever run (full, filtered, sharded) that was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane.drift import compare_with_previous
from controlplane.planning import Shard
from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore, RunRecord
from tests.telemetry import probe_plugin

TENANTS = ("t-a", "t-b", "t-c", "t-d", "t-e")


@pytest.fixture(scope="module")
def probe_registry():
    return build_registry(load_entrypoints=False, extra_plugins=[("probe", probe_plugin)])


class Fleet:
    """Writes hds.yaml with the probe verdicts each tenant should get, and runs it."""

    def __init__(self, tmp_path: Path, registry: Any) -> None:
        self.config = tmp_path / "hds.yaml"
        self.registry = registry
        self.store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))

    def run(
        self, verdicts: dict[str, dict[str, str]], tenants: tuple[str, ...] = (), shard: Shard | None = None
    ) -> str:
        fleet = {
            "version": 1,
            "tenants": [
                {
                    "id": tid,
                    "name": tid,
                    "activities": [5, 6],
                    "contract": {"rpo_hours": 24, "rto_hours": 4},
                    "targets": {"probe": [{"name": "p", "verdicts": v}]},
                }
                for tid, v in verdicts.items()
            ],
        }
        self.config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
        # PRB-01 only: other catalog controls have no plugin loaded here (they would all error).
        prepared = prepare(
            self.config, tenant_ids=tenants, control_ids=("PRB-01",), shard=shard, registry=self.registry
        )
        return execute(prepared, self.store).run_id


@pytest.fixture
def fleet(tmp_path: Path, probe_registry) -> Fleet:
    f = Fleet(tmp_path, probe_registry)
    yield f
    f.store.close()


def prb01(drift_items) -> list[str]:
    return [i.resource for i in drift_items if i.control == "PRB-01"]


def test_a_first_run_has_no_previous_run_and_every_failure_is_new(fleet: Fleet):
    run = fleet.run({"t-a": {"r1": "fail", "r2": "pass"}})
    (tenant,) = compare_with_previous(fleet.store, run).tenants
    assert tenant.previous_run is None
    assert prb01(tenant.new_failures) == ["r1"]


def test_the_next_run_reports_new_fixed_and_still_failing(fleet: Fleet):
    first = fleet.run({"t-a": {"r1": "fail", "r2": "pass", "r3": "fail"}})
    second = fleet.run({"t-a": {"r1": "pass", "r2": "fail", "r3": "fail"}})
    report = compare_with_previous(fleet.store, second)
    (tenant,) = report.tenants
    assert tenant.previous_run == first
    assert prb01(tenant.new_failures) == ["r2"]
    assert prb01(tenant.fixed) == ["r1"]
    assert prb01(tenant.still_failing) == ["r3"]
    assert report.as_dict()["totals"] == {"new_failures": 1, "fixed": 1, "still_failing": 1, "unverified": 0}


def test_runs_that_did_not_cover_the_tenant_or_did_not_complete_are_skipped(fleet: Fleet):
    both = fleet.run({"t-a": {"r1": "fail"}, "t-b": {"r1": "fail"}})
    only_b = fleet.run({"t-a": {"r1": "pass"}, "t-b": {"r1": "pass"}}, tenants=("t-b",))
    last = fleet.store.list_runs(1)[0]
    fleet.store.begin_run(
        RunRecord(
            run_id="interrupted-run",
            started_at=last.finished_at or last.started_at,
            finished_at=None,
            status="running",
            tool_version="test",
            catalog_digest=last.catalog_digest,
            config_digest=last.config_digest,
            filters={},
            tenants=["t-a", "t-b"],
            planned=0,
            counts=None,
        )
    )
    fleet.store.finish_run("interrupted-run", "interrupted", last.finished_at or last.started_at, {})
    current = fleet.run({"t-a": {"r1": "pass"}, "t-b": {"r1": "fail"}})
    drift = {t.tenant: t for t in compare_with_previous(fleet.store, current).tenants}
    assert drift["t-a"].previous_run == both
    assert prb01(drift["t-a"].fixed) == ["r1"]
    assert drift["t-b"].previous_run == only_b
    assert prb01(drift["t-b"].new_failures) == ["r1"]


def test_sharded_runs_compare_each_tenant_with_the_shard_run_that_covered_it(fleet: Fleet):
    verdicts = {t: {"r1": "pass"} for t in TENANTS}
    first_round = {}
    for i in range(2):
        run = fleet.run(verdicts, shard=Shard(i, 2))
        first_round.update(dict.fromkeys(fleet.store.get_run(run).tenants, run))
    assert set(first_round) == set(TENANTS)
    verdicts["t-c"] = {"r1": "fail"}
    for i in range(2):
        run = fleet.run(verdicts, shard=Shard(i, 2))
        for tenant in compare_with_previous(fleet.store, run).tenants:
            assert tenant.previous_run == first_round[tenant.tenant]
            assert prb01(tenant.new_failures) == (["r1"] if tenant.tenant == "t-c" else [])
