"""Traces and metrics of a real run (local TLS servers + the probe plugin), asserted from the
in-memory exporter and reader against what the evidence store holds."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import datetime

from opentelemetry.trace import StatusCode

from tests.telemetry.observed import SECRET, ObservedRun, data_points

WORST = {"error": 3, "fail": 2, "pass": 1, "not_applicable": 0}


def by_name(run: ObservedRun, name: str) -> list:
    return [s for s in run.spans if s.name == name]


def test_the_run_span_is_the_single_root_of_one_trace(observed_run: ObservedRun):
    roots = [s for s in observed_run.spans if s.parent is None]
    assert [s.name for s in roots] == ["hds.run"]
    root = roots[0]
    assert root.attributes["hds.run_id"] == observed_run.outcome.run_id
    assert root.attributes["hds.run.status"] == "completed"
    assert {s.context.trace_id for s in observed_run.spans} == {root.context.trace_id}
    assert root.attributes["hds.results.error"] == sum(r["status"] == "error" for r in observed_run.results)


def test_one_tenant_span_per_tenant_under_the_run(observed_run: ObservedRun):
    run_span = by_name(observed_run, "hds.run")[0]
    tenants = by_name(observed_run, "hds.tenant")
    assert sorted(s.attributes["hds.tenant"] for s in tenants) == ["t-alpha", "t-beta", "t-gamma"]
    assert all(s.parent.span_id == run_span.context.span_id for s in tenants)
    activities = {s.attributes["hds.tenant"]: list(s.attributes["hds.activities"]) for s in tenants}
    assert activities == {"t-alpha": [3, 4, 5, 6], "t-beta": [4, 5], "t-gamma": [5]}


def test_one_collection_span_per_target_under_its_tenant(observed_run: ObservedRun):
    tenant_ids = {s.context.span_id: s.attributes["hds.tenant"] for s in by_name(observed_run, "hds.tenant")}
    collects = by_name(observed_run, "hds.collect")
    seen = Counter((s.attributes["hds.tenant"], s.attributes["hds.target"]) for s in collects)
    assert set(seen) == observed_run.planned_units
    assert set(seen.values()) == {1}
    for span in collects:
        assert tenant_ids[span.parent.span_id] == span.attributes["hds.tenant"]
    outcome = {s.attributes["hds.target"]: s for s in collects}
    assert outcome["p-hang"].attributes["hds.outcome"] == "timeout"
    assert outcome["p-hang"].status.status_code is StatusCode.ERROR
    assert not outcome["p-hang"].status.description  # spans carry no message
    assert outcome["p-raise"].attributes["hds.outcome"] == "error"
    assert outcome["p-transient"].attributes["hds.attempts"] == 2  # retries: 1
    assert outcome["p1"].attributes["hds.outcome"] == "ok"
    assert outcome["p1"].status.status_code is StatusCode.UNSET


def test_one_check_span_per_control_and_target_with_the_stored_status(observed_run: ObservedRun):
    stored: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in observed_run.results:
        stored[(r["tenant"], r["control"], r["target"])].append(r)
    checks = by_name(observed_run, "hds.check")
    keys = Counter(
        (s.attributes["hds.tenant"], s.attributes["hds.control"], s.attributes["hds.target"]) for s in checks
    )
    assert set(keys) == set(stored)
    assert set(keys.values()) == {1}
    tenant_ids = {s.context.span_id: s.attributes["hds.tenant"] for s in by_name(observed_run, "hds.tenant")}
    for span in checks:
        key = (span.attributes["hds.tenant"], span.attributes["hds.control"], span.attributes["hds.target"])
        rows = stored[key]
        assert span.attributes["hds.status"] == max((r["status"] for r in rows), key=WORST.__getitem__)
        assert list(span.attributes["hds.activities"]) == rows[0]["hds_activities"]
        assert span.attributes["hds.findings"] == len(rows)
        assert tenant_ids[span.parent.span_id] == key[0]
        assert (span.status.status_code is StatusCode.ERROR) == (span.attributes["hds.status"] == "error")


def test_hanging_and_failing_plugins_show_as_error_spans_with_the_kind_of_error_only(observed_run: ObservedRun):
    checks = {
        (s.attributes["hds.tenant"], s.attributes["hds.control"], s.attributes["hds.target"]): s
        for s in by_name(observed_run, "hds.check")
    }
    hung_check = checks[("t-gamma", "PRB-02", "p4")]
    assert hung_check.status.status_code is StatusCode.ERROR
    assert hung_check.attributes["error.type"] == "timeout"
    assert checks[("t-gamma", "PRB-01", "p4")].attributes["hds.status"] == "pass"
    assert checks[("t-alpha", "PRB-01", "p1")].attributes["hds.status"] == "fail"
    assert checks[("t-alpha", "PRB-01", "p1")].attributes["hds.findings"] == 2
    assert checks[("t-beta", "PRB-01", "p-hang")].attributes["error.type"] == "timeout"
    assert checks[("t-beta", "PRB-01", "p-raise")].attributes["error.type"] == "collection_failed"
    for span in observed_run.spans:  # no span carries a result's message, not even redacted
        assert not span.status.description, (span.name, span.status.description)
        assert not span.events


def test_unrunnable_controls_get_a_check_span_too(observed_run: ObservedRun):
    tls_for_gamma = [
        s
        for s in by_name(observed_run, "hds.check")
        if s.attributes["hds.tenant"] == "t-gamma" and s.attributes["hds.control"].startswith("TLS-")
    ]
    assert tls_for_gamma and {s.attributes["hds.status"] for s in tls_for_gamma} == {"not_applicable"}


def test_no_secret_in_spans_metrics_or_evidence(observed_run: ObservedRun):
    assert all(SECRET not in span.to_json() for span in observed_run.spans)
    assert SECRET not in observed_run.metrics.to_json()
    raised = [r for r in observed_run.results if r["target"] == "p-raise"]
    assert raised and all(SECRET not in r["message"] and "[redacted]" in r["message"] for r in raised)


def test_checks_counter_counts_results_by_tenant_status_and_activity(observed_run: ObservedRun):
    expected: Counter[tuple[str, str, int]] = Counter()
    for r in observed_run.results:
        for act in r["hds_activities"]:
            expected[(r["tenant"], r["status"], act)] += 1
    got = {
        (p.attributes["hds.tenant"], p.attributes["hds.status"], p.attributes["hds.activity"]): p.value
        for p in data_points(observed_run.metrics, "hds.checks")
    }
    assert got == dict(expected)


def test_duration_histograms_have_one_sample_per_evaluation_and_collection(observed_run: ObservedRun):
    collect_points = data_points(observed_run.metrics, "hds.collection.duration")
    assert sum(p.count for p in collect_points) == len(by_name(observed_run, "hds.collect"))
    outcomes = {p.attributes["hds.outcome"] for p in collect_points}
    assert outcomes == {"ok", "error", "timeout"}
    check_points = data_points(observed_run.metrics, "hds.check.duration")
    # Evaluated controls only: not the unrunnable ones, nor those a collection timeout errored.
    evaluated = {
        (r["tenant"], r["control"], r["target"])
        for r in observed_run.results
        if r["target"] and r["target"] != "p-hang"
    }
    assert sum(p.count for p in check_points) == len(evaluated)
    assert {p.attributes["hds.check"] for p in check_points} >= {"probe.verdicts", "probe.maybe_hangs"}


def test_gauges_give_last_success_and_compliance_per_tenant_and_activity(observed_run: ObservedRun):
    last = {p.attributes["hds.tenant"]: p.value for p in data_points(observed_run.metrics, "hds.run.last_success")}
    assert set(last) == {"t-alpha", "t-beta", "t-gamma"}
    started = min(datetime.fromisoformat(r["started_at"]).timestamp() for r in observed_run.results)
    assert all(started <= value <= time.time() for value in last.values())
    tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in observed_run.results:
        if r["status"] == "not_applicable":
            continue
        for act in r["hds_activities"]:
            tally[(r["tenant"], act)][0] += r["status"] == "pass"
            tally[(r["tenant"], act)][1] += 1
    ratios = {
        (p.attributes["hds.tenant"], p.attributes["hds.activity"]): p.value
        for p in data_points(observed_run.metrics, "hds.compliance.ratio")
    }
    assert ratios == {k: passed / total for k, (passed, total) in tally.items()}
    # PRB-01 passed, PRB-02 hung (error), its TLS controls are n/a; 14 attested controls vouched for
    assert ratios[("t-gamma", 5)] == (1 + 15) / (2 + 15)  # 15 attested at activity 5, TRC-04 included


def test_span_attributes_hold_only_ids_names_and_statuses(observed_run: ObservedRun):
    allowed = {
        "hds.run_id",
        "hds.tenants",
        "hds.planned",
        "hds.shard",
        "hds.run.status",
        "hds.tenant",
        "hds.activities",
        "hds.target_kind",
        "hds.target",
        "hds.plugin",
        "hds.outcome",
        "hds.attempts",
        "hds.control",
        "hds.check",
        "hds.status",
        "hds.findings",
        "error.type",  # a fixed vocabulary, see test_hanging_and_failing_plugins_show_as_error_spans...
    }
    for span in observed_run.spans:
        extra = {k for k in span.attributes if not k.startswith("hds.results.")} - allowed
        assert not extra, (span.name, extra)
        assert "127.0.0.1" not in json.dumps(dict(span.attributes), default=str)
