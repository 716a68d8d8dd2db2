"""K8S-07, K8S-08: RBAC — privileged bindings and bindings to outside subjects."""

from __future__ import annotations

import json

from controlplane.results import Status
from hds_kubernetes.checks_access import cross_namespace_bindings, privileged_bindings
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import platform

NS = "alpha-prod"
NEIGHBOUR = "beta-prod"


def cluster(*objects):
    return [*platform(), m.namespace(NS), m.namespace(NEIGHBOUR), *objects]


def text_of(findings):
    return json.dumps([(f.message, f.resource, f.evidence) for f in findings])


def test_privileged_pass_with_narrow_roles(evaluate):
    objs = cluster(
        m.role(NS, "reader", [m.rule(["get", "list"], ["pods"])]),
        m.role_binding(NS, "ci", "Role", "reader", [m.service_account(NS, "ci")]),
        m.role_binding(NS, "devs", "ClusterRole", "view", [m.group("alpha-devs")]),
        m.cluster_role_binding("alpha-view", "view", [m.service_account(NS, "monitor")]),
    )
    findings = evaluate(objs, privileged_bindings)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["rolebindings_checked"] == 2
    assert findings[0].evidence["cluster_role_bindings_naming_tenant"] == [
        {"binding": "alpha-view", "role": "view", "tenant_subjects": ["ServiceAccount alpha-prod/monitor"]}
    ]


def test_privileged_fail_on_role_binding_to_cluster_admin(evaluate):
    objs = cluster(m.role_binding(NS, "admin", "ClusterRole", "cluster-admin", [m.service_account(NS, "deployer")]))
    findings = evaluate(objs, privileged_bindings)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == (
        "RoleBinding admin in alpha-prod grants ClusterRole cluster-admin to ServiceAccount alpha-prod/deployer"
    )


def test_privileged_fail_on_wildcard_role(evaluate):
    objs = cluster(
        m.role(NS, "everything", [m.rule(["*"], ["pods"]), m.rule(["get"], ["*"])]),
        m.role_binding(NS, "ops", "Role", "everything", [m.user("alice@alpha.example")]),
    )
    findings = evaluate(objs, privileged_bindings)
    assert [f.status for f in findings] == [Status.failed]
    assert "Role everything (resources: *, verbs: *) to User alice@alpha.example" in findings[0].message


def test_privileged_fail_on_cluster_binding_of_a_tenant_user(evaluate):
    objs = cluster(
        m.role_binding(NS, "devs", "ClusterRole", "view", [m.user("alice@alpha.example")]),
        m.cluster_role_binding(
            "root-ish", "cluster-admin", [m.user("alice@alpha.example"), m.user("bob@beta.example")]
        ),
    )
    findings = evaluate(objs, privileged_bindings)
    failed = [f for f in findings if f.status is Status.failed]
    assert [f.resource for f in failed] == ["ClusterRoleBinding/root-ish"]
    assert "to this tenant's User alice@alpha.example" in failed[0].message
    assert "bob@beta.example" not in text_of(findings)


def test_neighbours_cluster_admin_is_not_this_tenants_finding(evaluate):
    objs = cluster(m.cluster_role_binding("beta-admin", "cluster-admin", [m.service_account(NEIGHBOUR, "robot")]))
    findings = evaluate(objs, privileged_bindings)
    assert [f.status for f in findings] == [Status.passed]
    assert NEIGHBOUR not in text_of(findings)


def test_privileged_message_hides_an_outside_subject(evaluate):
    objs = cluster(m.role_binding(NS, "admin", "ClusterRole", "cluster-admin", [m.service_account(NEIGHBOUR, "x")]))
    findings = evaluate(objs, privileged_bindings)
    assert [f.status for f in findings] == [Status.failed]
    assert "a ServiceAccount of a namespace outside this tenant" in findings[0].message
    assert NEIGHBOUR not in text_of(findings)


def test_cross_namespace_pass_with_own_and_platform_accounts(evaluate):
    objs = cluster(
        m.role_binding(NS, "ci", "ClusterRole", "view", [m.service_account(NS, "ci")]),
        m.role_binding(NS, "ingress", "ClusterRole", "view", [m.service_account("ingress-nginx", "controller")]),
    )
    findings = evaluate(objs, cross_namespace_bindings)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["platform_service_accounts"] == ["ServiceAccount ingress-nginx/controller"]


def test_cross_namespace_fail_on_a_neighbours_account_without_naming_it(evaluate):
    objs = cluster(m.role_binding(NS, "shared", "ClusterRole", "view", [m.service_account(NEIGHBOUR, "robot")]))
    findings = evaluate(objs, cross_namespace_bindings)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == (
        "RoleBinding shared in alpha-prod grants ClusterRole view "
        "to a ServiceAccount of a namespace outside this tenant"
    )
    assert NEIGHBOUR not in text_of(findings)


def test_cross_namespace_fail_on_cluster_wide_groups(evaluate):
    for group, words in (
        ("system:authenticated", "every authenticated user"),
        ("system:serviceaccounts", "every ServiceAccount"),
        (f"system:serviceaccounts:{NEIGHBOUR}", "all ServiceAccounts of a namespace outside"),
    ):
        objs = cluster(m.role_binding(NS, "wide", "ClusterRole", "view", [m.group(group)]))
        findings = evaluate(objs, cross_namespace_bindings)
        assert [f.status for f in findings] == [Status.failed], group
        assert words in findings[0].message


def test_privileged_fail_on_verbs_worth_cluster_admin_without_a_wildcard(evaluate):
    # impersonate lets the holder act as any ServiceAccount (a cluster-admin one included);
    # escalate/bind lift RBAC's own checks on granting rights
    for verbs, resources, words in (
        (["impersonate"], ["serviceaccounts", "users"], "impersonate serviceaccounts, impersonate users"),
        (["bind", "escalate"], ["clusterroles"], "bind clusterroles, escalate clusterroles"),
    ):
        objs = cluster(
            m.role(NS, "helper", [m.rule(verbs, resources, ["", "rbac.authorization.k8s.io"])]),
            m.role_binding(NS, "helper", "Role", "helper", [m.service_account(NS, "ci")]),
        )
        findings = evaluate(objs, privileged_bindings)
        assert [f.status for f in findings] == [Status.failed], verbs
        assert f"Role helper ({words})" in findings[0].message
