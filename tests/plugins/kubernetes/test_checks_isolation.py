"""K8S-05, K8S-06: default-deny and cross-tenant ingress, on a cluster shared with `beta`."""

from __future__ import annotations

import json

from controlplane.results import Status
from hds_kubernetes.checks_isolation import cross_tenant_ingress, default_deny_ingress
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import NODE_NAMES, platform

NS = "alpha-prod"
NEIGHBOUR = "beta-prod"


def cluster(*objects, pods=True):
    web = m.deployment(NS, "web", 3)
    return [
        *platform(),
        m.namespace(NS, {"tenant": "alpha"}),
        m.namespace("alpha-data", {"tenant": "alpha"}),
        m.namespace(NEIGHBOUR, {"tenant": "beta"}),
        web,
        *(m.pods_of(web, NODE_NAMES) if pods else []),
        *objects,
    ]


def never_names_neighbour(findings):
    assert NEIGHBOUR not in json.dumps([(f.message, f.resource, f.evidence) for f in findings])


def test_default_deny_pass(evaluate):
    findings = evaluate(cluster(m.default_deny(NS)), default_deny_ingress)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["default_deny_policies"] == ["default-deny-ingress"]


def test_default_deny_fail_with_allow_policies_only(evaluate):
    findings = evaluate(cluster(m.allow_same_namespace(NS)), default_deny_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "has no default-deny ingress NetworkPolicy" in findings[0].message
    assert findings[0].evidence["policies"] == ["allow-same-namespace"]


def test_default_deny_judges_each_namespace_of_a_selector(evaluate):
    findings = evaluate(
        cluster(m.default_deny(NS)), default_deny_ingress, namespaces={"selector": {"matchLabels": {"tenant": "alpha"}}}
    )
    assert {(f.resource, f.status) for f in findings} == {("alpha-data", Status.failed), ("alpha-prod", Status.passed)}


def test_cross_tenant_pass_with_own_and_platform_namespaces(evaluate):
    objs = cluster(
        m.default_deny(NS),
        m.allow_same_namespace(NS),
        m.allow_from_namespace(NS, "from-data", "alpha-data"),
        m.allow_from_namespace(NS, "from-ingress", "ingress-nginx", "web"),
    )
    findings = evaluate(objs, cross_tenant_ingress, namespaces=["alpha-prod", "alpha-data"])
    prod = [f for f in findings if f.resource == NS]
    assert [f.status for f in prod] == [Status.passed]
    assert prod[0].evidence["platform_namespaces_admitted"] == ["ingress-nginx"]


def test_cross_tenant_fail_on_a_selector_reaching_the_neighbour_without_naming_it(evaluate):
    objs = cluster(
        m.default_deny(NS), m.network_policy(NS, "everyone", ingress=[{"from": [{"namespaceSelector": {}}]}])
    )
    findings = evaluate(objs, cross_tenant_ingress)
    failed = [f for f in findings if f.status is Status.failed]
    assert [f.resource for f in failed] == ["alpha-prod/NetworkPolicy/everyone"]
    # outside alpha-prod (alpha-data is not declared here): alpha-data, beta-prod, kube-system
    assert "admits traffic from 3 namespace(s) outside this tenant" in failed[0].message
    never_names_neighbour(findings)


def test_cross_tenant_fail_on_a_rule_without_from(evaluate):
    findings = evaluate(cluster(m.default_deny(NS), m.network_policy(NS, "open", ingress=[{}])), cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "has no 'from': it admits every source" in findings[0].message


def test_cross_tenant_fail_on_ip_block_for_every_address(evaluate):
    policy = m.network_policy(NS, "world", ingress=[{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])
    findings = evaluate(cluster(m.default_deny(NS), policy), cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "ipBlock 0.0.0.0/0 admits every address" in findings[0].message


def test_cross_tenant_fail_when_pods_are_selected_by_no_policy(evaluate):
    only_db = m.network_policy(NS, "db-only", {"matchLabels": {"app": "db"}}, [{"from": [{"podSelector": {}}]}])
    findings = evaluate(cluster(only_db), cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "selected by no ingress NetworkPolicy" in findings[0].message
    assert len(findings[0].evidence["unisolated_pods"]) == 3


def test_cross_tenant_fail_for_an_empty_namespace_without_isolation(evaluate):
    findings = evaluate(cluster(pods=False), cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "any pod started here would be selected by no ingress NetworkPolicy" in findings[0].message


def test_neighbour_policies_do_not_concern_this_tenant(evaluate):
    neighbours_open_policy = m.network_policy(NEIGHBOUR, "open", ingress=[{}])
    findings = evaluate(cluster(m.default_deny(NS), neighbours_open_policy), cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.passed]
    never_names_neighbour(findings)


def test_cross_tenant_fail_on_a_host_network_pod_despite_default_deny(evaluate):
    # selected by the default-deny policy on paper; on the node's addresses no policy applies
    objs = cluster(m.default_deny(NS), m.bare_pod(NS, "exporter", "node-a", host_network=True))
    findings = evaluate(objs, cross_tenant_ingress)
    assert [f.status for f in findings] == [Status.failed]
    assert "pods exporter run with hostNetwork" in findings[0].message
    assert findings[0].evidence["host_network_pods"] == ["exporter"]
