"""Fault injection through the test plugins, on the real `hdsctl`: a check that raises, hangs past
its timeout, returns malformed results, returns pass without evidence, or exhausts memory slowly,
and collectors that raise or hang, each become an error result with its reason; the run goes on,
completes, and exits 1. The memory guard is also tested in-process, beside a hanging check."""

from __future__ import annotations

import json

from controlplane.memory_guard import rss_bytes
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.reliability import rel_plugin
from tests.reliability.harness import hdsctl
from tests.support import fault_plugin
from tests.support.fleet import tenant, write_fleet

FLT = {check.split(".")[1]: f"FLT-{n:02d}" for n, check in enumerate(fault_plugin.CHECKS, 1)}
EXPECTED_ON_GOOD_TARGET = {
    FLT["ok"]: ("pass", "fine"),
    FLT["raises"]: ("error", "check raised ValueError: check exploded"),
    FLT["hangs"]: ("error", "check timed out after 5s"),
    FLT["malformed"]: ("error", "malformed result: expected a Finding, got str"),
    FLT["pass_without_evidence"]: ("error", "check returned pass without observed evidence"),
    FLT["bad_status"]: ("error", "malformed result: invalid status 'pass'"),
}


def test_every_fault_is_an_error_with_its_reason_and_the_run_completes_with_exit_1(tmp_path, env):
    config = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant(
                "t1",
                [5],
                {
                    "faulty": [
                        {"name": "good"},
                        {"name": "raising", "collect": "raise"},
                        {"name": "stuck", "collect": "hang"},
                    ],
                    "rel": [{"name": "leaky", "hog_cap_mb": 3000}],
                },
            )
        ],
        {"workers": 4, "collect_timeout_s": 2, "check_timeout_s": 5, "retries": 0, "max_rss_mb": 400},
    )
    controls = [*EXPECTED_ON_GOOD_TARGET, "REL-01", "REL-04"]
    args = ["run", "-c", str(config), "--store", str(tmp_path / "ev.sqlite"), "--format", "json"]
    proc = hdsctl(*args, *(a for c in controls for a in ("--control", c)), env=env)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "completed"
    got = {(r["target"], r["control"]): (r["status"], r["message"]) for r in doc["results"]}
    for control, (status, reason) in EXPECTED_ON_GOOD_TARGET.items():
        assert got[("good", control)][0] == status
        assert got[("good", control)][1].startswith(reason), got[("good", control)]
    for control in EXPECTED_ON_GOOD_TARGET:
        assert got[("raising", control)] == ("error", "collection failed: RuntimeError: boom")
        assert got[("stuck", control)] == ("error", "collection timed out after 2s")
    assert got[("leaky", "REL-01")][0] == "pass"
    status, message = got[("leaky", "REL-04")]
    assert status == "error" and message.startswith("memory limit exceeded: the process reached "), message
    assert "(runtime.max_rss_mb 400)" in message
    assert len(doc["results"]) == 3 * len(EXPECTED_ON_GOOD_TARGET) + 2  # one result per planned check


def test_memory_guard_blames_the_allocating_check_not_the_hanging_one(tmp_path, rel_registry):
    limit_mb = (rss_bytes() or 0) // (1024 * 1024) + 200
    config = write_fleet(
        tmp_path / "hds.yaml",
        [tenant("t1", [5], {"faulty": [{"name": "a"}], "rel": [{"name": "leaky", "hog_cap_mb": 2000}]})],
        {"workers": 4, "collect_timeout_s": 10, "check_timeout_s": 8, "retries": 0, "max_rss_mb": limit_mb},
    )
    prepared = prepare(config, control_ids=[FLT["hangs"], FLT["ok"], "REL-04", "REL-01"], registry=rel_registry)
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    try:
        outcome = execute(prepared, store)
        got = {r["control"]: (r["status"], r["message"]) for r in store.results(outcome.run_id)}
    finally:
        store.close()
    assert outcome.status == "completed"
    assert got["REL-04"][0] == "error" and got["REL-04"][1].startswith("memory limit exceeded"), got["REL-04"]
    assert rel_plugin.hog_stopped.wait(timeout=30), "the allocating thread was abandoned but not stopped"
    assert got[FLT["hangs"]] == ("error", "check timed out after 8s")
    assert got[FLT["ok"]][0] == "pass" and got["REL-01"][0] == "pass"


def test_no_memory_guard_when_turned_off(tmp_path, rel_registry):
    config = write_fleet(
        tmp_path / "hds.yaml",
        [tenant("t1", [5], {"rel": [{"name": "small", "hog_cap_mb": 40}]})],
        {"workers": 1, "check_timeout_s": 30, "max_rss_mb": None},
    )
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    try:
        outcome = execute(prepare(config, control_ids=["REL-04"], registry=rel_registry), store)
        (result,) = store.results(outcome.run_id)
    finally:
        store.close()
    assert result["status"] == "pass"  # 40 MB allocated and released: nothing watched, nothing blamed
