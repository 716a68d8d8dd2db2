"""K8S-10 judges what runs as well as what will run: every pod, every container of it.

Issue 23: a pod owned by a ReplicaSet was skipped in favour of its Deployment's template, so
an ephemeral container added by `kubectl debug`, or the pods of an older ReplicaSet still
running, were never read. Each case is judged from a `kubectl get -o json` dump and through
the official client from the local API server, with the same findings.
"""

from __future__ import annotations

import kubernetes_validate

from controlplane.results import Status
from hds_kubernetes.checks_hardening import workload_hardening
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.kubeadm import WORKERS, control_plane, deployed, with_debug_container

NS = "alpha-prod"


def tenant(*objects):
    return [*control_plane(), m.namespace(NS, {"tenant": "alpha"}), *objects]


def failed(findings):
    return [f for f in findings if f.status is Status.failed]


def test_an_ephemeral_debug_container_on_a_deployments_pod_is_judged(evaluate_both):
    web = deployed(NS, "web", 3, WORKERS)
    with_debug_container(web[3])
    dump, api = evaluate_both(tenant(*web), workload_hardening)
    assert dump == api
    [finding] = failed(dump)
    pod = web[3]["metadata"]["name"]
    rs = web[1]["metadata"]["name"]
    assert finding.resource == f"{NS}/Pod/{pod}"
    assert finding.message == (
        f"Pod {pod} in {NS} (ReplicaSet/{rs}, Deployment/web): ephemeral container 'debugger-x7k2p' is privileged"
    )
    assert finding.evidence["owner"] == f"ReplicaSet/{rs}"
    assert finding.evidence["controller"] == "Deployment/web"
    assert finding.evidence["judged"] == "running pod (what runs)"


def test_pods_of_an_older_replica_set_still_running_are_judged(evaluate_both):
    # revision 1 ran privileged with a hostPath; revision 2 (the template now) is clean, and
    # one pod of revision 1 is still running (a stuck rollout)
    old = m.deployment(NS, "web", 3, privileged=True, host_path="/var/lib")
    web = m.deployment(NS, "web", 3)
    web["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    old_rs = m.replica_set(old, 1, replicas=1)
    old_rs["metadata"]["ownerReferences"][0]["name"] = "web"
    objs = tenant(
        web,
        old_rs,
        m.replica_set(web, 2),
        *m.pods_of(web, WORKERS[:2], revision=2),
        *m.pods_of(old, WORKERS[2:], revision=1, first_ip=5),
    )
    dump, api = evaluate_both(objs, workload_hardening)
    assert dump == api
    [finding] = failed(dump)
    assert finding.resource.startswith(f"{NS}/Pod/web-{m.template_hash(old, 1)}-")
    assert "an older revision than its controller's current template" in finding.message
    assert finding.evidence["issues"] == ["container 'app' is privileged", "hostPath volume host:/var/lib"]


def test_a_privileged_template_is_reported_once_and_its_pods_add_nothing(evaluate_both):
    app = deployed(NS, "app", 2, WORKERS[:2], privileged=True)
    dump, api = evaluate_both(tenant(*app), workload_hardening)
    assert dump == api
    assert [(f.status, f.resource) for f in dump] == [(Status.failed, f"{NS}/Deployment/app")]
    assert dump[0].evidence["judged"] == "pod template (what it will run)"


def test_without_replica_sets_in_the_dump_the_pod_template_hash_names_the_deployment(evaluate):
    web = deployed(NS, "web", 2, WORKERS[:2])
    with_debug_container(web[2])
    objs = tenant(web[0], *web[2:])
    findings = evaluate(objs, workload_hardening, unavailable={"replicasets": "not in the dump"})
    [finding] = failed(findings)
    assert finding.evidence["controller"] == "Deployment/web"


def test_a_privileged_init_container_is_named_as_such(evaluate):
    pod = m.bare_pod(NS, "migrate", WORKERS[0])
    pod["spec"]["initContainers"] = [
        {"name": "setup", "image": m.IMAGE, "securityContext": {"privileged": True}},
    ]
    findings = evaluate(tenant(pod), workload_hardening)
    assert [f.message for f in failed(findings)] == [f"Pod migrate in {NS}: init container 'setup' is privileged"]


def test_a_clean_namespace_counts_every_pod_and_template(evaluate_both):
    dump, api = evaluate_both(tenant(*deployed(NS, "web", 3, WORKERS)), workload_hardening)
    assert dump == api
    assert [f.status for f in dump] == [Status.passed]
    assert dump[0].evidence == {"workloads_checked": 1, "pods_checked": 3}


def cron_job(ns, name, **spec):
    """A CronJob as `kubectl get cronjob -o json` shows it: its pods exist only on schedule."""
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "schedule": "0 2 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {**m.pod_spec(name, spread=None, **spec), "restartPolicy": "OnFailure"},
                    }
                }
            },
        },
        "status": {"lastScheduleTime": "2026-12-04T02:00:00Z"},
    }


def test_a_cron_jobs_template_is_judged_though_no_pod_of_it_runs(evaluate_both):
    export = cron_job(NS, "export", host_path="/var/backups")
    kubernetes_validate.validate(export, "1.33", strict=True)
    objs = tenant(*deployed(NS, "web", 2, WORKERS[:2]), export)
    dump, api = evaluate_both(objs, workload_hardening)
    assert dump == api
    assert [(f.status, f.resource) for f in dump] == [(Status.failed, f"{NS}/CronJob/export")]
    assert dump[0].evidence["issues"] == ["hostPath volume host:/var/backups"]
