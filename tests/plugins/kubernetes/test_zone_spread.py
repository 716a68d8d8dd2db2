"""K8S-04 counts zones over the nodes the tenant's pods can be scheduled on.

Issue 23: every Ready node was counted, a kubeadm control-plane node tainted
`node-role.kubernetes.io/control-plane:NoSchedule` included, though no tenant pod may run
there. Now a node counts when it is Ready, not cordoned, its NoSchedule/NoExecute taints are
tolerated and the workload's node selection admits it: losing one zone must not stop any of
the tenant's applications.
"""

from __future__ import annotations

from controlplane.results import Status
from hds_kubernetes.checks_redundancy import zone_spread
from hds_kubernetes.demo import manifests as m
from hds_kubernetes.objects import ZONE_LABEL
from tests.plugins.kubernetes.kubeadm import WORKERS, control_plane, deployed

NS = "alpha-prod"
TWO_ZONES_ON_PAPER = ("cp-1", "worker-a1", "worker-b1")  # zones a, a, b


def cluster(*objects, **node_args):
    return [*control_plane(**node_args), m.namespace(NS), *objects]


def test_a_tainted_control_plane_and_a_not_ready_node_do_not_make_a_second_zone(evaluate_both):
    web = deployed(NS, "web", 2, ["worker-b1", "worker-b1"])
    objs = cluster(*web, only=TWO_ZONES_ON_PAPER, not_ready=("worker-a1",))
    dump, api = evaluate_both(objs, zone_spread)
    assert dump == api
    assert [(f.status, f.resource) for f in dump] == [(Status.failed, f"{NS}/Deployment/web")]
    assert dump[0].message == (
        "Deployment web can be scheduled on nodes of 1 zone(s) (eu-west-3b): fewer than 2, losing that zone stops it"
    )
    assert dump[0].evidence["schedulable_nodes_per_zone"] == {"eu-west-3b": 1}
    assert dump[0].evidence["nodes_not_counted"] == {
        "cp-1": "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated",
        "worker-a1": "not Ready",
    }


def test_without_workloads_the_nodes_open_to_an_untolerating_pod_are_counted(evaluate):
    findings = evaluate(cluster(only=TWO_ZONES_ON_PAPER, cordoned=("worker-a1",)), zone_spread)
    assert [(f.status, f.resource) for f in findings] == [(Status.failed, "nodes")]
    assert "span 1 zone(s) (eu-west-3b)" in findings[0].message
    assert findings[0].evidence["nodes_not_counted"]["worker-a1"] == "cordoned (spec.unschedulable)"


def test_a_workload_tolerating_the_control_plane_counts_its_zone(evaluate):
    web = deployed(NS, "web", 2, ["cp-1", "worker-b1"])
    for obj in web:
        if obj["kind"] in ("Deployment", "ReplicaSet", "Pod"):
            spec = obj["spec"]["template"]["spec"] if obj["kind"] != "Pod" else obj["spec"]
            spec["tolerations"] = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]
    findings = evaluate(cluster(*web, only=TWO_ZONES_ON_PAPER, not_ready=("worker-a1",)), zone_spread)
    assert [(f.status, f.resource) for f in findings] == [(Status.passed, "nodes")]


def test_a_workload_pinned_to_one_zone_fails_on_a_three_zone_cluster(evaluate):
    pinned = m.deployment(NS, "pinned", 2)
    pinned["spec"]["template"]["spec"]["nodeSelector"] = {ZONE_LABEL: "eu-west-3b"}
    spread = m.deployment(NS, "spread", 2)
    findings = evaluate(cluster(pinned, spread), zone_spread)
    assert [(f.status, f.resource) for f in findings] == [(Status.failed, f"{NS}/Deployment/pinned")]
    assert findings[0].evidence["nodes_not_counted"]["worker-c1"] == (
        "excluded by nodeSelector or required node affinity"
    )


def test_the_kubeadm_cluster_with_three_worker_zones_passes(evaluate):
    findings = evaluate(cluster(*deployed(NS, "web", 3, WORKERS)), zone_spread)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["schedulable_nodes_per_zone"] == {"eu-west-3a": 1, "eu-west-3b": 1, "eu-west-3c": 1}
