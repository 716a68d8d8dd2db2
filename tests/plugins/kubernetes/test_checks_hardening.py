"""K8S-09, K8S-10: Pod Security admission and workload hardening."""

from __future__ import annotations

from controlplane.results import Status
from hds_kubernetes.checks_hardening import pod_security_admission, workload_hardening
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import NODE_NAMES, platform

NS = "alpha-prod"


def test_pod_security_pass_when_restricted_is_enforced(evaluate):
    findings = evaluate([m.namespace(NS, pod_security="restricted")], pod_security_admission)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["pod_security_labels"] == {"pod-security.kubernetes.io/enforce": "restricted"}


def test_pod_security_fail_on_a_weaker_level(evaluate):
    findings = evaluate([m.namespace(NS, pod_security="baseline")], pod_security_admission)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == "namespace alpha-prod enforces Pod Security 'baseline', not 'restricted'"


def test_pod_security_fail_without_label(evaluate):
    findings = evaluate([m.namespace(NS, pod_security=None)], pod_security_admission)
    assert [f.status for f in findings] == [Status.failed]
    assert "has no pod-security.kubernetes.io/enforce label" in findings[0].message


def test_hardening_pass_counts_templates_and_pods(evaluate):
    web = m.deployment(NS, "web", 3)
    objs = [*platform(), m.namespace(NS), web, *m.pods_of(web, NODE_NAMES), m.bare_pod(NS, "job", "node-a")]
    findings = evaluate(objs, workload_hardening)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["workloads_checked"] == 1
    assert findings[0].evidence["pods_checked"] == 4  # every pod is read, its workload's included


def test_hardening_fail_reports_the_workload_once_not_each_pod(evaluate):
    app = m.deployment(NS, "app", 2, privileged=True, host_path="/etc")
    findings = evaluate([*platform(), m.namespace(NS), app, *m.pods_of(app, NODE_NAMES[:2])], workload_hardening)
    assert [(f.status, f.resource) for f in findings] == [(Status.failed, "alpha-prod/Deployment/app")]
    assert findings[0].evidence["issues"] == ["container 'app' is privileged", "hostPath volume host:/etc"]


def test_hardening_fail_on_host_network_pod(evaluate):
    objs = [*platform(), m.namespace(NS), m.bare_pod(NS, "debug", "node-a", host_network=True)]
    findings = evaluate(objs, workload_hardening)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == "Pod debug in alpha-prod: hostNetwork is true"


def test_hardening_ignores_kube_system(evaluate):
    # the API server pod runs with hostNetwork in kube-system: not the tenant's
    findings = evaluate([*platform(), m.namespace(NS)], workload_hardening)
    assert [f.status for f in findings] == [Status.not_applicable]
