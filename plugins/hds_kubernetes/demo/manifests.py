"""Builders of API-shaped Kubernetes objects (as `kubectl get -o json` shows them).

Why in the plugin's demo package: the demo, the tests and the benchmarks all need realistic clusters, served
by `local_apiserver` or written as a dump; one set of builders keeps them consistent with the
real schema (the tests validate every builder's output against the Kubernetes OpenAPI schema).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from hds_kubernetes.demo.manifests_platform import CONTROL_PLANE_TAINT as CONTROL_PLANE_TAINT
from hds_kubernetes.demo.manifests_platform import _meta, _running, _uid
from hds_kubernetes.demo.manifests_platform import apiserver_pod as apiserver_pod
from hds_kubernetes.demo.manifests_platform import calico_node_pod as calico_node_pod
from hds_kubernetes.demo.manifests_platform import controller_manager_pod as controller_manager_pod
from hds_kubernetes.demo.manifests_platform import node as node
from hds_kubernetes.demo.manifests_platform import static_pod as static_pod
from hds_kubernetes.demo.manifests_platform import storage_class as storage_class
from hds_kubernetes.objects import HOSTNAME_KEY, PSA_ENFORCE_LABEL, ZONE_LABEL
from hds_kubernetes.source_dump import as_list as as_list

Obj = dict[str, Any]
IMAGE = "registry.example.org/hds/app:1.0"


def namespace(name: str, labels: Mapping[str, str] | None = None, pod_security: str | None = "restricted") -> Obj:
    all_labels = {"kubernetes.io/metadata.name": name, **(labels or {})}
    if pod_security:
        all_labels[PSA_ENFORCE_LABEL] = pod_security
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _meta(name, labels=all_labels),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def pod_spec(
    app: str,
    *,
    spread: str | None = "hostname",
    privileged: bool = False,
    host_path: str | None = None,
    host_network: bool = False,
    volume_claim: str | None = None,
) -> Obj:
    """A pod spec; `spread`: "hostname"/"zone" (topology spread), "required"/"preferred"
    (anti-affinity on hostname), or None."""
    container: Obj = {"name": "app", "image": IMAGE, "ports": [{"containerPort": 8080}]}
    container["securityContext"] = (
        {"privileged": True}
        if privileged
        else {
            "allowPrivilegeEscalation": False,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    )
    spec: Obj = {"containers": [container]}
    selector = {"matchLabels": {"app": app}}
    if spread in ("hostname", "zone"):
        key = HOSTNAME_KEY if spread == "hostname" else ZONE_LABEL
        spec["topologySpreadConstraints"] = [
            {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector}
        ]
    elif spread == "required":
        spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": selector, "topologyKey": HOSTNAME_KEY}
                ]
            }
        }
    elif spread == "preferred":
        spec["affinity"] = {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 100, "podAffinityTerm": {"labelSelector": selector, "topologyKey": HOSTNAME_KEY}}
                ]
            }
        }
    volumes: list[Obj] = []
    if host_path:
        volumes.append({"name": "host", "hostPath": {"path": host_path, "type": "Directory"}})
        container["volumeMounts"] = [{"name": "host", "mountPath": "/host"}]
    if volume_claim:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": volume_claim}})
        container.setdefault("volumeMounts", []).append({"name": "data", "mountPath": "/data"})
    if volumes:
        spec["volumes"] = volumes
    if host_network:
        spec["hostNetwork"] = True
    return spec


def _workload(kind: str, ns: str, name: str, replicas: int, ready: int | None, spec: Obj) -> Obj:
    labels = {"app": name}
    body: Obj = {
        "replicas": replicas,
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": spec},
    }
    if kind == "StatefulSet":
        body["serviceName"] = name
    ready = replicas if ready is None else ready
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": _meta(name, ns, labels),
        "spec": body,
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready},
    }


def deployment(ns: str, name: str, replicas: int = 3, ready: int | None = None, **spec: Any) -> Obj:
    return _workload("Deployment", ns, name, replicas, ready, pod_spec(name, **spec))


def statefulset(ns: str, name: str, replicas: int = 3, ready: int | None = None, **spec: Any) -> Obj:
    return _workload("StatefulSet", ns, name, replicas, ready, pod_spec(name, **spec))


def template_hash(workload: Obj, revision: int = 1) -> str:
    """A stand-in for the `pod-template-hash` of a Deployment's revision."""
    return hashlib.sha256(f"{workload['metadata']['name']}/{revision}".encode()).hexdigest()[:10]


def replica_set(deploy: Obj, revision: int = 1, replicas: int | None = None) -> Obj:
    """The ReplicaSet of one revision of a Deployment, as the Deployment controller makes it."""
    meta, spec = deploy["metadata"], deploy["spec"]
    pod_hash = template_hash(deploy, revision)
    labels = {**spec["template"]["metadata"]["labels"], "pod-template-hash": pod_hash}
    name = f"{meta['name']}-{pod_hash}"
    count = spec["replicas"] if replicas is None else replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            **_meta(name, meta["namespace"], labels),
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": meta["name"],
                    "uid": _uid(meta["name"]),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": count,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": spec["template"]["spec"]},
        },
        "status": {"replicas": count, "readyReplicas": count, "availableReplicas": count},
    }


def pods_of(workload: Obj, nodes: Sequence[str], revision: int = 1, first_ip: int = 0) -> list[Obj]:
    """The running pods of a workload, one per entry of `nodes` (names repeat to co-locate).
    A Deployment's pods belong to the ReplicaSet of `revision`."""
    meta, spec = workload["metadata"], workload["spec"]
    labels = dict(spec["template"]["metadata"]["labels"])
    if workload["kind"] == "Deployment":
        pod_hash = template_hash(workload, revision)
        labels["pod-template-hash"] = pod_hash
        owner_kind, owner = "ReplicaSet", f"{meta['name']}-{pod_hash}"
        names = [f"{owner}-{i:05x}" for i in range(len(nodes))]
    else:
        owner_kind, owner = "StatefulSet", meta["name"]
        names = [f"{owner}-{i}" for i in range(len(nodes))]
    api = "apps/v1"
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                **_meta(pod_name, meta["namespace"], labels),
                "ownerReferences": [
                    {"apiVersion": api, "kind": owner_kind, "name": owner, "uid": _uid(owner), "controller": True}
                ],
            },
            "spec": {**spec["template"]["spec"], "nodeName": node_name},
            "status": _running(_pod_ip(meta["namespace"], first_ip + i)),
        }
        for i, (pod_name, node_name) in enumerate(zip(names, nodes, strict=True))
    ]


def _pod_ip(ns: str, index: int) -> str:
    """A stable address in 10.244.0.0/16 (the pod network of the test clusters)."""
    h = int(hashlib.sha256(ns.encode()).hexdigest()[:4], 16)
    return f"10.244.{h % 200}.{(index % 250) + 2}"


def bare_pod(ns: str, name: str, node_name: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(name, ns, {"app": name}),
        "spec": {**pod_spec(name, spread=None, **spec), "nodeName": node_name},
        "status": _running(_pod_ip(ns, 249)),
    }


def pdb(
    ns: str,
    name: str,
    app: str,
    min_available: int | str | None = 1,
    max_unavailable: int | str | None = None,
    status: Mapping[str, int] | None = None,
) -> Obj:
    """`status`: the disruption controller's figures (desiredHealthy, currentHealthy,
    expectedPods, disruptionsAllowed), observed at the budget's generation."""
    spec: Obj = {"selector": {"matchLabels": {"app": app}}}
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    elif min_available is not None:
        spec["minAvailable"] = min_available
    obj: Obj = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(name, ns), "spec": spec}
    if status is not None:
        obj["metadata"]["generation"] = 1
        allowed = status["disruptionsAllowed"] > 0
        obj["status"] = {
            "observedGeneration": 1,
            **status,
            "conditions": [
                {
                    "type": "DisruptionAllowed",
                    "status": "True" if allowed else "False",
                    "reason": "SufficientPods" if allowed else "InsufficientPods",
                    "message": "",
                    "lastTransitionTime": "2026-12-01T08:00:00Z",
                    "observedGeneration": 1,
                }
            ],
        }
    return obj


def network_policy(ns: str, name: str, pod_selector: Obj | None = None, ingress: list[Obj] | None = None) -> Obj:
    spec: Obj = {"podSelector": pod_selector or {}, "policyTypes": ["Ingress"]}
    if ingress is not None:
        spec["ingress"] = ingress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(name, ns), "spec": spec}


def default_deny(ns: str) -> Obj:
    return network_policy(ns, "default-deny-ingress")


def allow_from_namespace(ns: str, name: str, source_namespace: str, app: str | None = None) -> Obj:
    """Admit traffic from one named namespace (by its automatic name label)."""
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": source_namespace}}}
    return network_policy(ns, name, {"matchLabels": {"app": app}} if app else None, [{"from": [peer]}])


def allow_same_namespace(ns: str) -> Obj:
    return network_policy(ns, "allow-same-namespace", None, [{"from": [{"podSelector": {}}]}])


def rule(verbs: list[str], resources: list[str], groups: Sequence[str] = ("",)) -> Obj:
    return {"apiGroups": list(groups), "resources": resources, "verbs": verbs}


def role(ns: str, name: str, rules: list[Obj]) -> Obj:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(name, ns), "rules": rules}


def cluster_role(name: str, rules: list[Obj]) -> Obj:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(name),
        "rules": rules,
    }


def service_account(ns: str, name: str) -> Obj:
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


def user(name: str) -> Obj:
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def group(name: str) -> Obj:
    return {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def role_binding(ns: str, name: str, role_kind: str, role_name: str, subjects: list[Obj]) -> Obj:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta(name, ns),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": subjects,
    }


def cluster_role_binding(name: str, role_name: str, subjects: list[Obj]) -> Obj:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _meta(name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
        "subjects": subjects,
    }


def ingress(
    ns: str,
    name: str,
    hosts: list[str],
    tls_hosts: list[str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Obj:
    backend = {"service": {"name": name, "port": {"number": 80}}}
    spec: Obj = {
        "ingressClassName": "nginx",
        "rules": [
            {"host": h, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}} for h in hosts
        ],
    }
    if tls_hosts:
        spec["tls"] = [{"hosts": tls_hosts, "secretName": f"{name}-tls"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(name, ns, annotations=dict(annotations or {})),
        "spec": spec,
    }


def pvc(ns: str, name: str, storage_class: str | None, size: str = "10Gi") -> Obj:
    spec: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta(name, ns),
        "spec": spec,
        "status": {"phase": "Bound"},
    }
