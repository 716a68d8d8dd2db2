"""K8S-13 data location, K8S-14 audit logging, and what every check does with unreadable input."""

from __future__ import annotations

from controlplane.results import Status
from hds_kubernetes.checks_audit import audit_logging
from hds_kubernetes.checks_isolation import default_deny_ingress
from hds_kubernetes.checks_location import data_location
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import platform

NS = "alpha-prod"


def test_location_pass_with_nodes_in_paris(evaluate):
    findings = evaluate([*platform(), m.namespace(NS)], data_location)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["nodes_per_region"] == {"eu-west-3": 3}


def test_location_fail_on_a_node_in_london(evaluate):
    objs = [*platform(), m.namespace(NS), m.node("node-uk", "eu-west-2a", "eu-west-2")]
    findings = evaluate(objs, data_location)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message.startswith("1 of 4 nodes are in regions outside the allowed ones (eu-west-2)")
    assert findings[0].evidence["nodes_outside_allowed_regions"] == ["node-uk (eu-west-2)"]


def test_location_fail_on_a_node_without_region(evaluate):
    findings = evaluate([*platform(), m.namespace(NS), m.node("bare-metal-1", None, None)], data_location)
    assert [f.status for f in findings] == [Status.failed]
    assert "have no topology.kubernetes.io/region label" in findings[0].message


def test_location_allowed_regions_are_configurable(evaluate):
    objs = [m.namespace(NS), m.node("osc-1", "eu-west-2a", "eu-west-2")]  # Outscale's eu-west-2 is in France
    findings = evaluate(objs, data_location, allowed_regions=["eu-west-2"])
    assert [f.status for f in findings] == [Status.passed]


def test_audit_pass_on_kubeadm_flags(evaluate):
    findings = evaluate([*platform(), m.namespace(NS)], audit_logging)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].resource == "kube-system/Pod/kube-apiserver-node-a"
    assert findings[0].evidence["audit_flags"]["--audit-policy-file"] == "/etc/kubernetes/audit/policy.yaml"


def test_audit_fail_without_policy(evaluate):
    objs = [m.namespace(NS), m.apiserver_pod("cp-1", audit=False)]
    findings = evaluate(objs, audit_logging)
    assert [f.status for f in findings] == [Status.failed]
    assert "without --audit-policy-file" in findings[0].message


def test_audit_fail_with_policy_but_no_sink(evaluate):
    pod = m.apiserver_pod("cp-1", audit=True)
    command = pod["spec"]["containers"][0]["command"]
    pod["spec"]["containers"][0]["command"] = [c for c in command if not c.startswith("--audit-log-path")]
    findings = evaluate([m.namespace(NS), pod], audit_logging)
    assert [f.status for f in findings] == [Status.failed]
    assert "events are not written anywhere" in findings[0].message


def test_audit_not_applicable_on_managed_control_plane_points_to_attested_control(evaluate, catalog):
    findings = evaluate([m.namespace(NS), m.node("n", "z", "eu-west-3")], audit_logging)
    assert [f.status for f in findings] == [Status.not_applicable]
    assert "attested control K8S-15" in findings[0].message
    assert catalog.controls["K8S-15"].kind == "attested"


def test_unreadable_kind_is_an_error_not_a_failure(evaluate):
    findings = evaluate(
        [m.namespace(NS)], default_deny_ingress, unavailable={"networkpolicies": "403 Forbidden: no access"}
    )
    assert [f.status for f in findings] == [Status.error]
    assert findings[0].message == "cannot judge: networkpolicies could not be read (403 Forbidden: no access)"


def test_declared_namespace_missing_from_cluster_is_an_error(evaluate):
    findings = evaluate([m.namespace(NS)], default_deny_ingress, namespaces=[NS, "alpha-gone"])
    assert [(f.status, f.resource) for f in findings] == [(Status.error, "alpha-gone"), (Status.failed, NS)]


def test_selector_matching_nothing_is_an_error(evaluate):
    findings = evaluate(
        [m.namespace(NS)], default_deny_ingress, namespaces={"selector": {"matchLabels": {"tenant": "nobody"}}}
    )
    assert [f.status for f in findings] == [Status.error]
    assert "no namespace of the cluster matches" in findings[0].message


def test_audit_flags_given_as_separate_args_and_stdout_sink(evaluate):
    pod = m.apiserver_pod("cp-1", audit=False)
    container = pod["spec"]["containers"][0]
    container["command"] = ["kube-apiserver"]
    container["args"] = ["--audit-policy-file", "/etc/audit.yaml", "--audit-log-path", "-", "--v=2"]
    findings = evaluate([m.namespace(NS), pod], audit_logging)
    assert [f.status for f in findings] == [Status.passed]
    assert "writes audit events to standard output under policy /etc/audit.yaml" in findings[0].message
