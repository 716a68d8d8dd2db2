"""K8S-06 judges an ipBlock on the addresses it admits, not on its "/0".

Issue 23: a block covering the pod network (kube-controller-manager `--cluster-cidr`, nodes'
`spec.podCIDR`) or the nodes' addresses admits other tenants' pods on network plugins that
match pod addresses against ipBlocks (Calico, here); and a 0.0.0.0/0 whose `except` removes
the private ranges admits no pod. Judged on a kubeadm cluster with Calico, from a dump and
through the official client.
"""

from __future__ import annotations

import json

import pytest

from controlplane.results import Status
from hds_kubernetes.checks_isolation import cross_tenant_ingress
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.kubeadm import POD_NETWORK, WORKERS, control_plane, deployed

NS = "alpha-prod"
NEIGHBOUR = "beta-prod"
RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def cluster(block, *, cp=None):
    return [
        *(cp if cp is not None else control_plane()),
        m.namespace(NS),
        m.namespace(NEIGHBOUR),
        *deployed(NS, "web", 2, WORKERS[:2]),
        *deployed(NEIGHBOUR, "api", 2, WORKERS[1:]),
        m.default_deny(NS),
        m.network_policy(NS, "partners", ingress=[{"from": [{"ipBlock": block}]}]),
    ]


def judged(findings):
    return [(f.status, f.resource) for f in findings]


@pytest.mark.parametrize(
    ("block", "reached"),
    [
        ({"cidr": POD_NETWORK}, "the cluster's pod network (10.244.0.0/16)"),
        ({"cidr": "10.0.0.0/8"}, "the cluster's pod network (10.244.0.0/16) and the addresses of 4 node(s)"),
        ({"cidr": "10.0.1.0/24"}, "the addresses of 2 node(s) (host-network pods, node-level SNAT)"),
        ({"cidr": "0.0.0.0/0", "except": [POD_NETWORK]}, "the addresses of 4 node(s)"),
    ],
    ids=["pod-network", "rfc1918-10", "node-subnet", "all-but-pods"],
)
def test_a_block_covering_pod_or_node_addresses_fails_and_says_what_it_assumes(evaluate_both, block, reached):
    dump, api = evaluate_both(cluster(block), cross_tenant_ingress)
    assert dump == api
    assert judged(dump) == [(Status.failed, f"{NS}/NetworkPolicy/partners")]
    assert reached in dump[0].message
    evidence = dump[0].evidence
    assert evidence["network_plugin"] == "Calico"
    assert evidence["pod_network"] == [POD_NETWORK]
    assert evidence["pod_network_source"] == "kube-controller-manager --cluster-cidr"
    assert "Calico and Cilium do" in evidence["ip_block_verdict_assumes"]
    assert NEIGHBOUR not in json.dumps([dump[0].message, evidence])


def test_every_address_except_the_private_ranges_admits_no_pod(evaluate_both):
    dump, api = evaluate_both(cluster({"cidr": "0.0.0.0/0", "except": RFC1918}), cross_tenant_ingress)
    assert dump == api
    assert judged(dump) == [(Status.passed, NS)]
    assert dump[0].evidence["ip_blocks"] == ["0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"]
    assert dump[0].evidence["network_plugin"] == "Calico"


def test_a_public_partner_range_passes(evaluate):
    findings = evaluate(cluster({"cidr": "203.0.113.0/24"}), cross_tenant_ingress)
    assert judged(findings) == [(Status.passed, NS)]


def test_without_a_published_pod_network_the_private_ranges_and_running_pods_count(evaluate):
    # a managed control plane: no kube-controller-manager pod, nodes without podCIDR or address
    bare_nodes = [m.node(name, f"eu-west-3{z}", "eu-west-3") for name, z in zip(WORKERS, "abc", strict=True)]
    cp = [*bare_nodes, m.namespace("kube-system", pod_security=None), m.namespace("ingress-nginx")]
    objs = cluster({"cidr": "0.0.0.0/0", "except": RFC1918}, cp=cp)
    assert judged(evaluate(objs, cross_tenant_ingress)) == [(Status.passed, NS)]

    objs = cluster({"cidr": "172.16.0.0/12"}, cp=cp)
    findings = evaluate(objs, cross_tenant_ingress)
    assert judged(findings) == [(Status.failed, f"{NS}/NetworkPolicy/partners")]
    assert findings[0].evidence["pod_network_source"].startswith("not published")
    assert findings[0].evidence["network_plugin"] == "not identified from kube-system pods"

    # a pod network outside the private ranges is still caught through the pods using it
    objs = cluster({"cidr": "100.64.0.0/16"}, cp=cp)
    for obj in objs:
        if obj["kind"] == "Pod" and obj["metadata"]["namespace"] == NEIGHBOUR:
            obj["status"]["podIP"] = "100.64.3.7"
            obj["status"]["podIPs"] = [{"ip": "100.64.3.7"}]
    findings = evaluate(objs, cross_tenant_ingress)
    assert judged(findings) == [(Status.failed, f"{NS}/NetworkPolicy/partners")]
    assert "the addresses of 2 running pod(s) outside this tenant" in findings[0].message
