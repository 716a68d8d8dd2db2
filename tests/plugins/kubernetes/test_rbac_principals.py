"""K8S-07, K8S-08 judge RBAC subjects by the username and groups the API server matches.

Issue 23: a `User` subject named `system:serviceaccount:<ns>:<name>` is that ServiceAccount
(another tenant's, possibly), and `system:anonymous`, `system:unauthenticated`,
`system:authenticated`, `system:serviceaccounts` include every tenant's callers; User subjects
were passed over. Judged from a dump and through the official client, with the same findings.
"""

from __future__ import annotations

import json

import pytest

from controlplane.results import Status
from hds_kubernetes.checks_access import cross_namespace_bindings, privileged_bindings
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.kubeadm import control_plane

NS = "alpha-prod"
NEIGHBOUR = "beta-prod"
BASIC_USER = m.cluster_role(
    "system:basic-user",
    [m.rule(["create"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["authorization.k8s.io"])],
)


def cluster(*objects):
    return [*control_plane(), BASIC_USER, m.namespace(NS), m.namespace(NEIGHBOUR), *objects]


def text_of(findings):
    return json.dumps([(f.message, f.resource, f.evidence) for f in findings])


def test_a_user_subject_naming_a_neighbours_service_account_is_that_account(evaluate_both):
    objs = cluster(
        m.role_binding(NS, "shared", "ClusterRole", "view", [m.user(f"system:serviceaccount:{NEIGHBOUR}:robot")])
    )
    dump, api = evaluate_both(objs, cross_namespace_bindings)
    assert dump == api
    assert [f.status for f in dump] == [Status.failed]
    assert dump[0].message == (
        "RoleBinding shared in alpha-prod grants ClusterRole view to a ServiceAccount of a namespace outside "
        "this tenant (bound as a User subject)"
    )
    assert NEIGHBOUR not in text_of(dump)


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        (m.user("system:anonymous"), "anonymous requests (User system:anonymous)"),
        (m.group("system:unauthenticated"), "anonymous requests (Group system:unauthenticated)"),
        (m.group("system:authenticated"), "every authenticated user of the cluster"),
        (m.group("system:serviceaccounts"), "every ServiceAccount of the cluster"),
        (m.group(f"system:serviceaccounts:{NEIGHBOUR}"), "all ServiceAccounts of a namespace outside this tenant"),
    ],
)
def test_populations_open_the_namespace(evaluate, subject, words):
    findings = evaluate(cluster(m.role_binding(NS, "wide", "ClusterRole", "view", [subject])), cross_namespace_bindings)
    assert [f.status for f in findings] == [Status.failed]
    assert words in findings[0].message
    assert NEIGHBOUR not in text_of(findings)


def test_own_service_account_spelled_as_a_user_stays_inside(evaluate):
    objs = cluster(m.role_binding(NS, "ci", "ClusterRole", "view", [m.user(f"system:serviceaccount:{NS}:ci")]))
    findings = evaluate(objs, cross_namespace_bindings)
    assert [f.status for f in findings] == [Status.passed]


def test_a_cluster_role_binding_opening_every_namespace_to_all_authenticated_users(evaluate_both):
    objs = cluster(
        m.cluster_role_binding("system:basic-user", "system:basic-user", [m.group("system:authenticated")]),
        m.cluster_role_binding("everyone-reads", "view", [m.group("system:authenticated")]),
    )
    dump, api = evaluate_both(objs, cross_namespace_bindings)
    assert dump == api
    failed = [f for f in dump if f.status is Status.failed]
    assert [f.resource for f in failed] == ["ClusterRoleBinding/everyone-reads"]  # basic-user reads nothing
    assert "opens every namespace, this tenant's included" in failed[0].message


def test_cluster_admin_bound_to_a_tenant_account_spelled_as_a_user(evaluate_both):
    objs = cluster(
        m.cluster_role_binding("deployer-admin", "cluster-admin", [m.user(f"system:serviceaccount:{NS}:deployer")])
    )
    dump, api = evaluate_both(objs, privileged_bindings)
    assert dump == api
    assert [(f.status, f.resource) for f in dump] == [(Status.failed, "ClusterRoleBinding/deployer-admin")]
    assert "to this tenant's ServiceAccount alpha-prod/deployer" in dump[0].message


def test_cluster_admin_for_every_authenticated_user_is_every_tenants_failure(evaluate):
    objs = cluster(m.cluster_role_binding("oops", "cluster-admin", [m.group("system:authenticated")]))
    for tenant_ns in (NS, NEIGHBOUR):
        findings = evaluate(objs, privileged_bindings, namespaces=[tenant_ns])
        assert [(f.status, f.resource) for f in findings] == [(Status.failed, "ClusterRoleBinding/oops")]
        assert "every authenticated user of the cluster" in findings[0].message
        assert "this tenant's identities included" in findings[0].message


def test_a_neighbours_account_named_in_a_tenant_binding_is_not_taken_for_the_tenants(evaluate):
    robot = m.user(f"system:serviceaccount:{NEIGHBOUR}:robot")
    objs = cluster(
        m.role_binding(NS, "shared", "ClusterRole", "view", [robot]),
        m.cluster_role_binding("robot-admin", "cluster-admin", [robot]),
    )
    findings = evaluate(objs, privileged_bindings)
    # the neighbour's cluster-admin is the neighbour's finding; this tenant's evidence never names it
    assert [f.status for f in findings] == [Status.passed]
    assert NEIGHBOUR not in text_of(findings)
