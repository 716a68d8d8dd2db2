"""Builders of the cluster-wide objects a test or demo cluster shares (nodes as kubeadm and
the node lifecycle controller leave them, kube-system's static control-plane pods and network
plugin, storage classes), in the shape `kubectl get -o json` shows. Re-exported by `manifests`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from hds_kubernetes.objects import HOSTNAME_KEY, REGION_LABEL, ZONE_LABEL

Obj = dict[str, Any]


def _meta(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None, **extra: Any) -> Obj:
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    meta.update({k: v for k, v in extra.items() if v})
    return meta


def _uid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _running(ip: str | None) -> Obj:
    status: Obj = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return status


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


def calico_node_pod(node_name: str, address: str) -> Obj:
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
