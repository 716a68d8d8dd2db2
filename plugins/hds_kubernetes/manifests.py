"""Builders of API-shaped Kubernetes objects (as `kubectl get -o json` shows them).

Why in the plugin: the demo, the tests and the benchmarks all need realistic clusters, served
by `local_apiserver` or written as a dump; one set of builders keeps them consistent with the
real schema (the tests validate every builder's output against the Kubernetes OpenAPI schema).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hds_kubernetes.objects import HOSTNAME_KEY, PSA_ENFORCE_LABEL, REGION_LABEL, ZONE_LABEL

Obj = dict[str, Any]
IMAGE = "registry.example.org/hds/app:1.0"


def _meta(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None, **extra: Any) -> Obj:
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    meta.update({k: v for k, v in extra.items() if v})
    return meta


def as_list(objects: Iterable[Obj]) -> Obj:
    """What `kubectl get a,b -A -o json` writes: a `List` whose items carry their kind."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(objects)}


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


CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def node(
    name: str,
    zone: str | None,
    region: str | None,
    ready: bool = True,
    *,
    control_plane: bool = False,
    pod_cidr: str | None = None,
    address: str | None = None,
    taints: Sequence[Obj] = (),
    unschedulable: bool = False,
) -> Obj:
    """A Node; `control_plane`: kubeadm's control-plane label and NoSchedule taint."""
    labels = {HOSTNAME_KEY: name, "kubernetes.io/os": "linux"}
    if zone:
        labels[ZONE_LABEL] = zone
    if region:
        labels[REGION_LABEL] = region
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    condition = {
        "type": "Ready",
        "status": "True" if ready else "Unknown",
        "reason": "KubeletReady" if ready else "NodeStatusUnknown",
    }
    spec: Obj = {}
    all_taints = [*([CONTROL_PLANE_TAINT] if control_plane else []), *taints]
    if not ready:  # what the node lifecycle controller adds
        all_taints += [
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
        ]
    if all_taints:
        spec["taints"] = [dict(t) for t in all_taints]
    if unschedulable:
        spec["unschedulable"] = True
    if pod_cidr:
        spec["podCIDR"] = pod_cidr
        spec["podCIDRs"] = [pod_cidr]
    status: Obj = {"conditions": [condition]}
    if address:
        status["addresses"] = [{"type": "InternalIP", "address": address}, {"type": "Hostname", "address": name}]
    return {"apiVersion": "v1", "kind": "Node", "metadata": _meta(name, labels=labels), "spec": spec, "status": status}


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


def _running(ip: str | None) -> Obj:
    status: Obj = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return status


def bare_pod(ns: str, name: str, node_name: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(name, ns, {"app": name}),
        "spec": {**pod_spec(name, spread=None, **spec), "nodeName": node_name},
        "status": _running(_pod_ip(ns, 249)),
    }


def _uid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


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


def storage_class(
    name: str,
    provisioner: str,
    default: bool = False,
    parameters: Mapping[str, str] | None = None,
    created: str = "2026-01-05T09:00:00Z",
) -> Obj:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    obj: Obj = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": _meta(name, annotations=annotations, creationTimestamp=created),
        "provisioner": provisioner,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    if parameters:
        obj["parameters"] = dict(parameters)
    return obj


def apiserver_pod(node_name: str, audit: bool = True) -> Obj:
    """kube-apiserver as kubeadm runs it: a static pod in kube-system."""
    command = [
        "kube-apiserver",
        "--advertise-address=10.0.0.10",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--secure-port=6443",
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    ]
    if audit:
        command += [
            "--audit-policy-file=/etc/kubernetes/audit/policy.yaml",
            "--audit-log-path=/var/log/kubernetes/audit/audit.log",
            "--audit-log-maxage=30",
            "--audit-log-maxbackup=10",
        ]
    return static_pod("kube-apiserver", node_name, command)


def static_pod(component: str, node_name: str, command: list[str], address: str | None = None) -> Obj:
    """A kubeadm control-plane component: the mirror pod the kubelet publishes for a static
    manifest of /etc/kubernetes/manifests (annotated `kubernetes.io/config.mirror`, owned by
    its Node)."""
    name = f"{component}-{node_name}"
    meta = _meta(name, "kube-system", {"component": component, "tier": "control-plane"})
    meta["annotations"] = {
        "kubernetes.io/config.hash": hashlib.md5(name.encode()).hexdigest(),
        "kubernetes.io/config.mirror": hashlib.md5(name.encode()).hexdigest(),
        "kubernetes.io/config.source": "file",
    }
    meta["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": _uid(node_name), "controller": True}
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "containers": [{"name": component, "image": f"registry.k8s.io/{component}:v1.33.1", "command": command}],
            "hostNetwork": True,
            "nodeName": node_name,
            "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
        },
        "status": _running(address),
    }


def controller_manager_pod(node_name: str, cluster_cidr: str) -> Obj:
    """kube-controller-manager as kubeadm runs it (`--pod-network-cidr` becomes `--cluster-cidr`)."""
    command = [
        "kube-controller-manager",
        "--allocate-node-cidrs=true",
        f"--cluster-cidr={cluster_cidr}",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--use-service-account-credentials=true",
    ]
    return static_pod("kube-controller-manager", node_name, command)


def calico_node_pod(node_name: str, address: str, index: int = 0) -> Obj:
    """A pod of Calico's `calico-node` DaemonSet (the network plugin's agent on each node)."""
    name = f"calico-node-{hashlib.sha256(node_name.encode()).hexdigest()[:5]}"
    meta = _meta(name, "kube-system", {"k8s-app": "calico-node", "controller-revision-hash": "6b8f7d9c4"})
    meta["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "name": "calico-node",
            "uid": _uid("calico-node"),
            "controller": True,
        }
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "containers": [
                {"name": "calico-node", "image": "quay.io/calico/node:v3.29.1", "securityContext": {"privileged": True}}
            ],
            "hostNetwork": True,
            "nodeName": node_name,
            "serviceAccountName": "calico-node",
            "tolerations": [{"operator": "Exists"}],
        },
        "status": _running(address),
    }
