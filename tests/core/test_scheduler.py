"""The scheduler with real plugins registered through the hook contract: every misbehaviour
becomes an ERROR with its reason, the run always completes, a PASS always carries evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.results import Status
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.support import fault_plugin
from tests.support.fleet import tenant, write_fleet

FAST = {"workers": 4, "collect_timeout_s": 2, "check_timeout_s": 0.5, "retries": 2, "retry_backoff_s": 0.01}


def run_fleet(tmp_path: Path, registry, tenants, controls=(), runtime=FAST):
    cfg = write_fleet(tmp_path / "hds.yaml", tenants, runtime)
    prepared = prepare(cfg, control_ids=controls, registry=registry)
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    outcome = execute(prepared, store)
    results = list(store.results(outcome.run_id))
    store.close()
    return outcome, results


def by_control(results):
    return {r["control"]: r for r in results}


FLT = {check.split(".")[1]: f"FLT-{n:02d}" for n, check in enumerate(fault_plugin.CHECKS, 1)}


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        ("raises", "check raised ValueError: check exploded"),
        ("malformed", "malformed result: expected a Finding, got str"),
        ("not_iterable", "check returned a int, not an iterable of findings"),
        ("pass_without_evidence", "check returned pass without observed evidence"),
        ("empty", "check returned no finding"),
        ("bad_status", "malformed result: invalid status 'pass'"),
        ("unserialisable", "malformed result: evidence is not JSON-serialisable"),
    ],
)
def test_misbehaving_check_becomes_error_with_reason(tmp_path, fault_registry, check, reason):
    outcome, results = run_fleet(
        tmp_path, fault_registry, [tenant("t1", targets={"faulty": [{"name": "a"}]})], controls=[FLT["ok"], FLT[check]]
    )
    got = by_control(results)
    assert got[FLT[check]]["status"] == "error"
    assert got[FLT[check]]["message"].startswith(reason)
    assert got[FLT["ok"]]["status"] == "pass"  # the run went on
    assert outcome.status == "completed"


def test_hanging_check_times_out_and_later_checks_still_run(tmp_path, fault_registry):
    controls = [FLT["hangs"], FLT["ok"], FLT["fails"]]
    _, results = run_fleet(
        tmp_path, fault_registry, [tenant("t1", targets={"faulty": [{"name": "a"}]})], controls=controls
    )
    got = by_control(results)
    assert got[FLT["hangs"]]["status"] == "error"
    assert "timed out after 0.5s" in got[FLT["hangs"]]["message"]
    assert got[FLT["ok"]]["status"] == "pass"
    assert got[FLT["fails"]]["status"] == "fail"
    assert len(results) == 3
    assert fault_plugin.collections["t1/a"] == 1  # the continuation reused the snapshot


def test_hanging_collector_times_out_every_control_of_that_target_only(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "stuck", "collect": "hang"}, {"name": "fine"}]})]
    outcome, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"], FLT["fails"]])
    stuck = [r for r in results if r["target"] == "stuck"]
    fine = [r for r in results if r["target"] == "fine"]
    assert {r["status"] for r in stuck} == {"error"}
    assert all("collection timed out after 2s" in r["message"] for r in stuck)
    assert sorted(r["status"] for r in fine) == ["fail", "pass"]
    assert outcome.stats.counts[Status.error] == 2


def test_raising_collector_is_error_for_each_control_and_not_retried(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "a", "collect": "raise"}]})]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"], FLT["fails"]])
    assert [r["status"] for r in results] == ["error", "error"]
    assert results[0]["message"] == "collection failed: RuntimeError: boom"
    assert fault_plugin.attempts["t1/a"] == 1


def test_transient_collection_errors_are_retried_then_succeed(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "a", "collect": "transient:2"}]})]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"]])
    assert [r["status"] for r in results] == ["pass"]
    assert fault_plugin.attempts["t1/a"] == 3


def test_transient_errors_past_the_retry_budget_become_error(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "a", "collect": "transient:5"}]})]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"]])
    assert results[0]["status"] == "error"
    assert results[0]["message"] == "collection failed after 3 attempts: throttled (SlowDown)"
    assert fault_plugin.attempts["t1/a"] == 3


def test_without_retries_the_message_says_one_attempt(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "a", "collect": "transient:5"}]})]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"]], runtime={**FAST, "retries": 0})
    assert results[0]["message"] == "collection failed after 1 attempt: throttled (SlowDown)"
    assert fault_plugin.attempts["t1/a"] == 1


def test_collection_happens_once_per_target_whatever_the_number_of_controls(tmp_path, fault_registry):
    tenants = [tenant("t1", targets={"faulty": [{"name": "a"}, {"name": "b"}]})]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"], FLT["fails"], FLT["echo_params"]])
    assert len(results) == 6
    assert fault_plugin.collections == {"t1/a": 1, "t1/b": 1}


def test_tenant_parameter_overrides_reach_the_check(tmp_path, fault_registry):
    tenants = [
        tenant("t1", targets={"faulty": [{"name": "a"}]}, parameters={FLT["echo_params"]: {"threshold": 9}}),
        tenant("t2", targets={"faulty": [{"name": "a"}]}),
    ]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["echo_params"]])
    params = {r["tenant"]: r["evidence"]["params"] for r in results}
    assert params == {"t1": {"threshold": 9, "mode": "strict"}, "t2": {"threshold": 5, "mode": "strict"}}


def test_controls_apply_only_to_contracted_activities(tmp_path, fault_registry):
    tenants = [
        tenant("backup-only", activities=[6], targets={"faulty": [{"name": "a"}]}),
        tenant("ops", activities=[5], targets={"faulty": [{"name": "a"}]}),
    ]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"], FLT["fails"]])
    got = {(r["tenant"], r["control"]): r for r in results}
    # FLT ok maps to activities 5 and 6; FLT fails to 5 only.
    assert set(got) == {("backup-only", FLT["ok"]), ("ops", FLT["ok"]), ("ops", FLT["fails"])}
    assert got[("backup-only", FLT["ok"])]["hds_activities"] == [6]
    assert got[("ops", FLT["ok"])]["hds_activities"] == [5]


def test_missing_target_kind_is_reported_not_applicable_with_reason(tmp_path, fault_registry):
    _, results = run_fleet(tmp_path, fault_registry, [tenant("t1")], controls=[FLT["ok"]])
    assert results[0]["status"] == "not_applicable"
    assert results[0]["message"] == "no 'faulty' target declared for this tenant"


def test_control_without_installed_plugin_is_an_error(tmp_path):
    from controlplane.plugins import build_registry

    bare = build_registry(load_entrypoints=False)  # no plugin at all: TLS checks cannot run
    _, results = run_fleet(tmp_path, bare, [tenant("t1", activities=[4])], controls=["TLS-01"])
    assert [(r["status"], r["message"]) for r in results] == [
        ("error", "no installed plugin provides check 'tls.protocol_version'")
    ]


def test_results_are_hash_chained_per_tenant(tmp_path, fault_registry):
    tenants = [tenant(t, targets={"faulty": [{"name": "a"}]}) for t in ("t1", "t2")]
    _, results = run_fleet(tmp_path, fault_registry, tenants, controls=[FLT["ok"], FLT["fails"]])
    from controlplane.store.chain import GENESIS, record_hash

    for tid in ("t1", "t2"):
        prev = GENESIS
        for r in [r for r in results if r["tenant"] == tid]:
            assert r["prev_hash"] == prev
            assert r["record_hash"] == record_hash(prev, r)
            prev = r["record_hash"]
