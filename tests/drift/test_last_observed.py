"""Drift against the last *observed* state of each key, across real runs in a real (SQLite) store:
an error run hides nothing and fixes nothing, filtered runs and shards observe only what they ran,
and the webhook payload carries only genuinely new failures (issue 18, item 1)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane.drift import compare_with_previous
from controlplane.notify import build_payload
from controlplane.observed_state import RunHistory, findings, last_observed, tenant_history
from controlplane.planning import Shard
from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.telemetry import probe_plugin

FAIL_R1 = {"verdicts": {"r1": "fail", "r2": "pass"}}
PASS_ALL = {"verdicts": {"r1": "pass", "r2": "pass"}}
BROKEN = {"collect": "raise"}
"""The collector raises (a missing secret, a refused connection): every check of the target
errors with no resource named."""


@pytest.fixture(scope="module")
def probe_registry():
    return build_registry(load_entrypoints=False, extra_plugins=[("probe", probe_plugin)])


class Fleet:
    def __init__(self, tmp_path: Path, registry: Any) -> None:
        self.config = tmp_path / "hds.yaml"
        self.registry = registry
        self.store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))

    def run(
        self,
        targets: dict[str, dict[str, Any]],
        tenants: tuple[str, ...] = (),
        controls: tuple[str, ...] = ("PRB-01",),
        shard: Shard | None = None,
    ) -> str:
        fleet = {
            "version": 1,
            "tenants": [
                {
                    "id": tid,
                    "name": tid,
                    "activities": [5, 6],
                    "contract": {"rpo_hours": 24, "rto_hours": 4},
                    "targets": {"probe": [{"name": "p", **copy.deepcopy(target)}]},
                }
                for tid, target in targets.items()
            ],
        }
        self.config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
        prepared = prepare(self.config, tenant_ids=tenants, control_ids=controls, shard=shard, registry=self.registry)
        return execute(prepared, self.store).run_id

    def drift(self, run_id: str) -> dict[str, Any]:
        return {t.tenant: t for t in compare_with_previous(self.store, run_id).tenants}

    def payload(self, run_id: str) -> dict[str, Any] | None:
        return build_payload(compare_with_previous(self.store, run_id), {"run_id": run_id})


@pytest.fixture
def fleet(tmp_path: Path, probe_registry) -> Iterator[Fleet]:
    f = Fleet(tmp_path, probe_registry)
    yield f
    f.store.close()


def keys(items) -> list[tuple[str, str, str]]:
    return [(i.control, i.target, i.resource) for i in items]


def test_a_failure_seen_before_an_error_run_and_seen_again_is_still_failing_and_not_posted(fleet: Fleet):
    fleet.run({"t-a": FAIL_R1})
    errored = fleet.run({"t-a": BROKEN})
    after = fleet.run({"t-a": FAIL_R1})
    during = fleet.drift(errored)["t-a"]
    assert keys(during.unverified) == [("PRB-01", "p", ""), ("PRB-01", "p", "r1")]
    assert not (during.fixed or during.new_failures or during.still_failing)
    drift = fleet.drift(after)["t-a"]
    assert keys(drift.still_failing) == [("PRB-01", "p", "r1")]
    assert drift.still_failing[0].previous_status == "fail"
    assert not (drift.new_failures or drift.fixed or drift.unverified)
    assert fleet.payload(errored) is None
    assert fleet.payload(after) is None


def test_an_error_fixes_nothing_and_the_target_error_replaced_by_failures_is_not_fixed(fleet: Fleet):
    errored = fleet.run({"t-a": BROKEN})
    after = fleet.run({"t-a": FAIL_R1})
    first = fleet.drift(errored)["t-a"]
    assert not first.new_failures and keys(first.unverified) == [("PRB-01", "p", "")]
    drift = fleet.drift(after)["t-a"]
    assert not drift.fixed, "the target-level error is not 'fixed' by per-resource failures"
    assert keys(drift.new_failures) == [("PRB-01", "p", "r1")], "never observed before: new"
    payload = fleet.payload(after)
    assert payload is not None and payload["new_failures"] == 1


def test_a_failure_seen_before_several_error_runs_then_passing_is_fixed(fleet: Fleet):
    fleet.run({"t-a": FAIL_R1})
    fleet.run({"t-a": BROKEN})
    fleet.run({"t-a": BROKEN})
    drift = fleet.drift(fleet.run({"t-a": PASS_ALL}))["t-a"]
    assert keys(drift.fixed) == [("PRB-01", "p", "r1")]
    assert (drift.fixed[0].status, drift.fixed[0].previous_status) == ("pass", "fail")


def test_a_pass_then_an_error_then_a_failure_is_new(fleet: Fleet):
    fleet.run({"t-a": PASS_ALL})
    fleet.run({"t-a": BROKEN})
    drift = fleet.drift(fleet.run({"t-a": FAIL_R1}))["t-a"]
    assert keys(drift.new_failures) == [("PRB-01", "p", "r1")]
    assert drift.new_failures[0].previous_status == "pass"


def test_a_failure_fixed_in_a_clean_run_then_back_is_new_again(fleet: Fleet):
    fleet.run({"t-a": FAIL_R1})
    fleet.run({"t-a": {"verdicts": {"r2": "pass"}}})  # r1 gone while the check ran cleanly
    drift = fleet.drift(fleet.run({"t-a": FAIL_R1}))["t-a"]
    assert keys(drift.new_failures) == [("PRB-01", "p", "r1")]


def test_a_control_filter_in_between_observes_nothing_of_the_other_controls(fleet: Fleet):
    fleet.run({"t-a": FAIL_R1}, controls=("PRB-01", "PRB-02"))
    other = fleet.run({"t-a": FAIL_R1}, controls=("PRB-02",))
    filtered = fleet.drift(other)["t-a"]
    assert not (filtered.fixed or filtered.new_failures or filtered.still_failing or filtered.unverified)
    drift = fleet.drift(fleet.run({"t-a": FAIL_R1}, controls=("PRB-01", "PRB-02")))["t-a"]
    assert drift.previous_run == other
    assert keys(drift.still_failing) == [("PRB-01", "p", "r1")]
    assert not drift.new_failures


def test_a_tenant_filter_leaves_the_other_tenants_out(fleet: Fleet):
    fleet.run({"t-a": FAIL_R1, "t-b": FAIL_R1})
    only_b = fleet.run({"t-a": PASS_ALL, "t-b": FAIL_R1}, tenants=("t-b",))
    assert set(fleet.drift(only_b)) == {"t-b"}
    drift = fleet.drift(fleet.run({"t-a": FAIL_R1, "t-b": FAIL_R1}))
    assert keys(drift["t-a"].still_failing) == keys(drift["t-b"].still_failing) == [("PRB-01", "p", "r1")]


def test_across_shards_an_error_round_hides_nothing(fleet: Fleet):
    tenants = ("t-a", "t-b", "t-c", "t-d")

    def round_(targets: dict[str, dict[str, Any]]) -> list[str]:
        return [fleet.run(targets, shard=Shard(i, 2)) for i in range(2)]

    round_({t: FAIL_R1 if t == "t-c" else PASS_ALL for t in tenants})
    round_({t: BROKEN if t == "t-c" else PASS_ALL for t in tenants})
    last = round_({t: FAIL_R1 if t == "t-c" else PASS_ALL for t in tenants})
    seen = {}
    for run_id in last:
        seen.update(fleet.drift(run_id))
        assert fleet.payload(run_id) is None
    assert set(seen) == set(tenants)
    assert keys(seen["t-c"].still_failing) == [("PRB-01", "p", "r1")]
    assert all(not (d.new_failures or d.fixed) for d in seen.values())


class CountingReader:
    """Reads the real store (`findings`), counting which runs a drift walk reads (it stops early)."""

    def __init__(self, store: EvidenceStore) -> None:
        self.store = store
        self.read: list[str] = []

    def __call__(self, run_id: str, tenant: str) -> Iterator[dict[str, Any]]:
        self.read.append(run_id)
        return findings(self.store, run_id, tenant)


def test_findings_are_the_stored_results_without_their_evidence(fleet: Fleet):
    run_id = fleet.run({"t-a": FAIL_R1, "t-b": PASS_ALL})
    keep = ("control", "target", "resource", "status", "message", "check", "target_kind")
    for tenant in ("t-a", "t-b"):
        expected = [{k: r[k] for k in keep} for r in fleet.store.results(run_id, tenant)]
        assert list(findings(fleet.store, run_id, tenant)) == expected and expected


def test_the_walk_reads_one_earlier_run_when_it_settles_every_pair(fleet: Fleet):
    for _ in range(3):
        fleet.run({"t-a": FAIL_R1})
    current = fleet.run({"t-a": FAIL_R1})
    run = fleet.store.get_run(current)
    counting = CountingReader(fleet.store)
    history = RunHistory(fleet.store, current, run.started_at, run.tenants)
    previous, observed = tenant_history(fleet.store, history, "t-a", {("PRB-01", "p")}, read=counting)
    assert counting.read == [previous]
    assert observed[("PRB-01", "p", "r1")]["status"] == "fail"


def test_the_walk_goes_back_only_as_far_as_the_last_clean_evaluation_and_is_bounded():
    def rows(status: str, resource: str = "r1") -> list[dict[str, str]]:
        return [{"control": "C", "target": "t", "resource": resource, "status": status, "message": "m"}]

    runs = [rows("error", ""), rows("error", ""), rows("fail"), rows("pass")]
    assert last_observed(iter(runs), {("C", "t")})[("C", "t", "r1")]["status"] == "fail"
    assert last_observed(iter(runs[:2]), {("C", "t")}) == {}
    consumed = []

    def lazily() -> Iterator[list[dict[str, str]]]:
        for n, r in enumerate(runs):
            consumed.append(n)
            yield r

    last_observed(lazily(), {("C", "t")})
    assert consumed == [0, 1, 2], "the run after the clean evaluation is never read"
