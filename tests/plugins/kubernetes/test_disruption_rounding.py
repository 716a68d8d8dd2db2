"""K8S-02 computes what a PodDisruptionBudget keeps as the disruption controller does.

Issue 23: percentages were judged by their sign (< 100 %: "keeps one"), while the controller
rounds maxUnavailable percentages up (`GetScaledValueFromIntOrPercent(..., roundUp=true)`), so
67 % of 3 replicas is 3: every replica may go. minAvailable percentages round up too. Where
the budget's own `status` is there, it is the observed truth.
"""

from __future__ import annotations

import pytest

from controlplane.results import Status
from hds_kubernetes.checks_redundancy import disruption_budgets
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.kubeadm import WORKERS, control_plane, deployed

NS = "alpha-prod"


def cluster(replicas, budget):
    return [*control_plane(), m.namespace(NS), *deployed(NS, "web", replicas, WORKERS[:replicas]), budget]


@pytest.mark.parametrize(
    ("replicas", "terms", "desired", "status"),
    [
        (3, {"max_unavailable": "67%"}, 0, Status.failed),  # ceil(2.01) = 3 evictable
        (3, {"max_unavailable": "66%"}, 1, Status.passed),  # ceil(1.98) = 2 evictable
        (1, {"max_unavailable": "1%"}, 0, Status.failed),  # ceil(0.01) = 1 evictable
        (2, {"max_unavailable": "50%"}, 1, Status.passed),
        (3, {"min_available": "1%"}, 1, Status.passed),  # ceil(0.03) = 1 kept
        (3, {"min_available": "0%"}, 0, Status.failed),
        (3, {"min_available": "67%"}, 3, Status.passed),  # ceil(2.01) = 3 kept: blocks every eviction
    ],
)
def test_percentages_round_up_as_the_disruption_controller_does(evaluate, replicas, terms, desired, status):
    findings = evaluate(cluster(replicas, m.pdb(NS, "web", "web", **terms)), disruption_budgets)
    assert [f.status for f in findings] == [status]
    assert findings[0].evidence["desired_healthy_computed"] == desired
    assert findings[0].evidence["blocks_all_evictions"] is (desired >= replicas)


def test_a_budget_letting_every_replica_go_fails_from_a_dump_and_from_the_api(evaluate_both):
    objs = cluster(3, m.pdb(NS, "web", "web", max_unavailable="67%"))
    dump, api = evaluate_both(objs, disruption_budgets)
    assert dump == api
    assert [f.status for f in dump] == [Status.failed]
    assert dump[0].message == (
        "PodDisruptionBudget web (maxUnavailable: 67%) lets every replica of Deployment web be evicted at once: "
        "0 of 3 pod(s) must stay healthy (computed from the spec as the disruption controller does)"
    )


def test_the_budgets_status_is_the_observed_truth(evaluate_both):
    # minAvailable 1 reads as safe; the controller reports that only 1 pod is healthy, so no
    # eviction is allowed now: drains wait
    status = {"desiredHealthy": 1, "currentHealthy": 1, "expectedPods": 3, "disruptionsAllowed": 0}
    objs = cluster(3, m.pdb(NS, "web", "web", min_available=1, status=status))
    dump, api = evaluate_both(objs, disruption_budgets)
    assert dump == api
    assert [f.status for f in dump] == [Status.passed]
    assert dump[0].evidence["status"] == status
    assert dump[0].evidence["desired_healthy_source"] == "the disruption controller's status"
    assert dump[0].evidence["blocks_all_evictions"] is True
    assert "node drains will wait on it" in dump[0].message


def test_a_status_keeping_nothing_fails_whatever_the_spec_says(evaluate):
    status = {"desiredHealthy": 0, "currentHealthy": 3, "expectedPods": 3, "disruptionsAllowed": 3}
    findings = evaluate(cluster(3, m.pdb(NS, "web", "web", max_unavailable="67%", status=status)), disruption_budgets)
    assert [f.status for f in findings] == [Status.failed]
    assert "0 of 3 pod(s) must stay healthy (the disruption controller's status)" in findings[0].message


def test_a_status_older_than_the_spec_is_not_used(evaluate):
    status = {"desiredHealthy": 0, "currentHealthy": 3, "expectedPods": 3, "disruptionsAllowed": 3}
    budget = m.pdb(NS, "web", "web", min_available=2, status=status)
    budget["metadata"]["generation"] = 2  # the spec changed since the controller last looked
    findings = evaluate(cluster(3, budget), disruption_budgets)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["desired_healthy_source"] == "computed from the spec as the disruption controller does"
