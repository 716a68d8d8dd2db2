"""Classifying one tenant's findings against its previous run (key: control + target + resource)."""

from __future__ import annotations

from controlplane.drift import compare_tenant


def row(control: str, target: str, resource: str, status: str, message: str = "") -> dict:
    return {
        "control": control,
        "target": target,
        "resource": resource,
        "status": status,
        "message": message or f"{resource} {status}",
        "check": "probe.verdicts",
        "target_kind": "probe",
    }


def keys(items) -> list[tuple[str, str, str]]:
    return [(i.control, i.target, i.resource) for i in items]


def test_a_failure_absent_from_the_previous_run_is_new():
    drift = compare_tenant("t", [row("C-01", "t1", "r1", "fail")], [], None)
    assert keys(drift.new_failures) == [("C-01", "t1", "r1")]
    assert drift.new_failures[0].previous_status is None
    assert drift.previous_run is None


def test_a_pass_that_turns_into_a_failure_is_new():
    drift = compare_tenant("t", [row("C-01", "t1", "r1", "fail")], [row("C-01", "t1", "r1", "pass")], "run-1")
    assert keys(drift.new_failures) == [("C-01", "t1", "r1")]
    assert drift.new_failures[0].previous_status == "pass"
    assert not drift.still_failing and not drift.fixed


def test_failing_in_both_runs_is_still_failing_and_a_failure_that_now_errors_is_unverified():
    current = [row("C-01", "t1", "r1", "fail"), row("C-02", "t1", "r1", "error")]
    previous = [row("C-01", "t1", "r1", "fail"), row("C-02", "t1", "r1", "fail")]
    drift = compare_tenant("t", current, previous, "run-1")
    assert keys(drift.still_failing) == [("C-01", "t1", "r1")]
    assert keys(drift.unverified) == [("C-02", "t1", "r1")]
    assert drift.unverified[0].previous_status == "fail"
    assert not drift.new_failures and not drift.fixed


def test_a_failure_that_now_passes_is_fixed():
    drift = compare_tenant("t", [row("C-01", "t1", "r1", "pass")], [row("C-01", "t1", "r1", "fail")], "run-1")
    assert keys(drift.fixed) == [("C-01", "t1", "r1")]
    assert (drift.fixed[0].status, drift.fixed[0].previous_status) == ("pass", "fail")


def test_a_failing_resource_no_longer_reported_is_fixed_when_its_control_ran_cleanly():
    drift = compare_tenant("t", [row("C-01", "t1", "r2", "pass")], [row("C-01", "t1", "r1", "fail")], "run-1")
    assert keys(drift.fixed) == [("C-01", "t1", "r1")]
    assert drift.fixed[0].status is None


def test_a_failure_hidden_by_an_error_on_its_control_and_target_is_unverified_not_fixed():
    current = [row("C-01", "t1", "", "error", "collection timed out after 30s")]
    drift = compare_tenant("t", current, [row("C-01", "t1", "r1", "fail")], "run-1")
    assert keys(drift.unverified) == [("C-01", "t1", ""), ("C-01", "t1", "r1")]
    assert not drift.fixed
    assert not drift.new_failures


def test_previous_failures_of_controls_this_run_did_not_evaluate_are_left_out():
    drift = compare_tenant("t", [row("C-01", "t1", "r1", "pass")], [row("C-09", "t1", "r1", "fail")], "run-1")
    assert not (drift.new_failures or drift.fixed or drift.still_failing or drift.unverified)


def test_not_applicable_is_not_a_failure():
    drift = compare_tenant("t", [row("C-01", "", "", "not_applicable")], [row("C-01", "", "", "not_applicable")], "r")
    assert not (drift.new_failures or drift.still_failing)


def test_a_resource_reported_twice_counts_with_its_worst_status():
    current = [row("C-01", "t1", "r1", "pass"), row("C-01", "t1", "r1", "fail")]
    drift = compare_tenant("t", current, [], None)
    assert keys(drift.new_failures) == [("C-01", "t1", "r1")]


def test_items_are_ordered_by_control_target_resource():
    current = [row("C-02", "t1", "a", "fail"), row("C-01", "t2", "b", "fail"), row("C-01", "t1", "z", "fail")]
    drift = compare_tenant("t", current, [], None)
    assert keys(drift.new_failures) == [("C-01", "t1", "z"), ("C-01", "t2", "b"), ("C-02", "t1", "a")]
