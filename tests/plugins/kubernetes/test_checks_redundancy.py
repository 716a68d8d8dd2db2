"""K8S-01..04: replicas, disruption budgets, node spread, zones — pure checks on snapshots."""

from __future__ import annotations

from controlplane.results import Status
from hds_kubernetes.checks_redundancy import disruption_budgets, node_spread, workload_replicas, zone_spread
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import NODE_NAMES, good_tenant, platform

NS = "alpha-prod"


def cluster(*objects):
    return [*platform(), m.namespace(NS), *objects]


def statuses(findings):
    return [f.status for f in findings]


# -- K8S-01 replicas -----------------------------------------------------------------------------


def test_replicas_pass_with_three_ready(evaluate):
    findings = evaluate(cluster(m.deployment(NS, "web", 3)), workload_replicas)
    assert statuses(findings) == [Status.passed]
    assert findings[0].resource == "alpha-prod/Deployment/web"
    assert findings[0].evidence["ready_replicas"] == 3
    assert findings[0].evidence["min_ready_replicas"] == 2


def test_replicas_fail_with_a_single_replica(evaluate):
    findings = evaluate(cluster(m.statefulset(NS, "db", 1)), workload_replicas)
    assert statuses(findings) == [Status.failed]
    assert "StatefulSet db requests 1 replica(s): fewer than 2" in findings[0].message


def test_replicas_fail_when_too_few_are_ready(evaluate):
    findings = evaluate(cluster(m.deployment(NS, "web", 3, ready=1)), workload_replicas)
    assert statuses(findings) == [Status.failed]
    assert "1 of 3 replicas ready" in findings[0].message


def test_replicas_minimum_is_a_control_parameter(evaluate):
    findings = evaluate(cluster(m.deployment(NS, "web", 2)), workload_replicas, params={"min_ready_replicas": 3})
    assert statuses(findings) == [Status.failed]


def test_scaled_to_zero_is_not_applicable(evaluate):
    findings = evaluate(cluster(m.deployment(NS, "batch", 0)), workload_replicas)
    assert statuses(findings) == [Status.not_applicable]
    assert "scaled to zero" in findings[0].message


def test_namespace_without_workloads_is_not_applicable(evaluate):
    findings = evaluate(cluster(), workload_replicas)
    assert statuses(findings) == [Status.not_applicable]
    assert "no Deployment or StatefulSet in namespaces alpha-prod" in findings[0].message


# -- K8S-02 disruption budgets --------------------------------------------------------------------


def test_budget_pass_when_one_covers_the_workload(evaluate):
    findings = evaluate(
        cluster(m.deployment(NS, "web", 3), m.pdb(NS, "web", "web", min_available=2)), disruption_budgets
    )
    assert statuses(findings) == [Status.passed]
    assert findings[0].evidence["covering_budgets"] == [
        {"name": "web", "selector": "app=web", "terms": "minAvailable: 2"}
    ]
    assert findings[0].evidence["blocks_all_evictions"] is False


def test_budget_fail_when_none_covers(evaluate):
    objs = cluster(m.deployment(NS, "web", 3), m.pdb(NS, "other", "other-app"))
    findings = evaluate(objs, disruption_budgets)
    assert statuses(findings) == [Status.failed]
    assert "no PodDisruptionBudget covers Deployment web" in findings[0].message


def test_budget_fail_when_two_cover_the_same_pods(evaluate):
    objs = cluster(m.deployment(NS, "web", 3), m.pdb(NS, "a", "web"), m.pdb(NS, "b", "web", max_unavailable=1))
    findings = evaluate(objs, disruption_budgets)
    assert statuses(findings) == [Status.failed]
    assert "covered by 2 PodDisruptionBudgets (a, b)" in findings[0].message


def test_budget_fail_when_it_allows_evicting_every_replica(evaluate):
    for budget in (m.pdb(NS, "web", "web", min_available=0), m.pdb(NS, "web", "web", max_unavailable="100%")):
        findings = evaluate(cluster(m.deployment(NS, "web", 3), budget), disruption_budgets)
        assert statuses(findings) == [Status.failed], budget
        assert "lets every replica" in findings[0].message


def test_budget_blocking_every_eviction_passes_with_a_warning(evaluate):
    findings = evaluate(
        cluster(m.deployment(NS, "web", 3), m.pdb(NS, "web", "web", max_unavailable=0)), disruption_budgets
    )
    assert statuses(findings) == [Status.passed]
    assert "node drains will wait" in findings[0].message
    assert findings[0].evidence["blocks_all_evictions"] is True


# -- K8S-03 spread over nodes ---------------------------------------------------------------------


def test_spread_pass_with_topology_constraint_and_pods_on_three_nodes(evaluate):
    web = m.deployment(NS, "web", 3, spread="hostname")
    findings = evaluate(cluster(web, *m.pods_of(web, NODE_NAMES)), node_spread)
    assert statuses(findings) == [Status.passed]
    assert findings[0].evidence["running_pods_per_node"] == {"node-a": 1, "node-b": 1, "node-c": 1}
    assert "3 running pod(s) on 3 node(s)" in findings[0].message


def test_spread_pass_with_required_anti_affinity(evaluate):
    db = m.statefulset(NS, "db", 3, spread="required")
    findings = evaluate(cluster(db, *m.pods_of(db, NODE_NAMES)), node_spread)
    assert statuses(findings) == [Status.passed]
    assert "podAntiAffinity.required" in findings[0].message


def test_spread_fail_without_rule(evaluate):
    web = m.deployment(NS, "web", 3, spread=None)
    findings = evaluate(cluster(web, *m.pods_of(web, NODE_NAMES)), node_spread)
    assert statuses(findings) == [Status.failed]
    assert "no pod anti-affinity or topology spread constraint" in findings[0].message


def test_spread_fail_when_pods_share_one_node_despite_a_preferred_rule(evaluate):
    web = m.deployment(NS, "web", 2, spread="preferred")
    findings = evaluate(cluster(web, *m.pods_of(web, ["node-a", "node-a"])), node_spread)
    assert statuses(findings) == [Status.failed]
    assert "all 2 running pods are on node node-a" in findings[0].message


def test_spread_rule_selecting_other_pods_does_not_count(evaluate):
    web = m.deployment(NS, "web", 3, spread="hostname")
    constraint = web["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    constraint["labelSelector"] = {"matchLabels": {"app": "someone-else"}}
    findings = evaluate(cluster(web), node_spread)
    assert statuses(findings) == [Status.failed]
    assert findings[0].evidence["rules_not_counted"]


# -- K8S-04 zones ---------------------------------------------------------------------------------


def test_zones_pass_with_three_zones(evaluate):
    findings = evaluate(cluster(*good_tenant(NS)[1:]), zone_spread)
    assert statuses(findings) == [Status.passed]
    assert findings[0].evidence["schedulable_nodes_per_zone"] == {"eu-west-3a": 1, "eu-west-3b": 1, "eu-west-3c": 1}


def test_zones_fail_when_every_ready_node_is_in_one_zone(evaluate):
    objs = [
        m.namespace(NS),
        m.node("n1", "eu-west-3a", "eu-west-3"),
        m.node("n2", "eu-west-3a", "eu-west-3"),
        m.node("n3", "eu-west-3b", "eu-west-3", ready=False),
    ]
    findings = evaluate(objs, zone_spread)
    assert statuses(findings) == [Status.failed]
    assert "span 1 zone(s) (eu-west-3a): fewer than 2" in findings[0].message
    assert findings[0].evidence["ready_nodes"] == 2
