"""A kubeadm cluster with Calico, in the shapes `kubectl get -o json` gives: tainted
control-plane node, per-node podCIDRs from `--pod-network-cidr`, static control-plane pods
(mirror pods annotated `kubernetes.io/config.mirror`), calico-node pods, and tenants'
Deployments with their ReplicaSets and pods (ownerReferences, pod-template-hash, status)."""

from __future__ import annotations

from typing import Any

from hds_kubernetes.demo import manifests as m

Obj = dict[str, Any]
POD_NETWORK = "10.244.0.0/16"
REGION = "eu-west-3"
NODES = [
    # name, zone, podCIDR, InternalIP, control plane
    ("cp-1", "eu-west-3a", "10.244.0.0/24", "10.0.1.10", True),
    ("worker-a1", "eu-west-3a", "10.244.1.0/24", "10.0.1.21", False),
    ("worker-b1", "eu-west-3b", "10.244.2.0/24", "10.0.2.21", False),
    ("worker-c1", "eu-west-3c", "10.244.3.0/24", "10.0.3.21", False),
]
WORKERS = [n[0] for n in NODES if not n[4]]


def nodes(not_ready: tuple[str, ...] = (), cordoned: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> list[Obj]:
    return [
        m.node(
            name,
            zone,
            REGION,
            ready=name not in not_ready,
            control_plane=cp,
            pod_cidr=cidr,
            address=ip,
            unschedulable=name in cordoned,
        )
        for name, zone, cidr, ip, cp in NODES
        if not only or name in only
    ]


def control_plane(**node_args: Any) -> list[Obj]:
    """Nodes, kube-system with its static pods and Calico, and the built-in roles."""
    return [
        *nodes(**node_args),
        m.namespace("kube-system", pod_security=None),
        m.namespace("ingress-nginx", pod_security="baseline"),
        m.apiserver_pod("cp-1"),
        m.controller_manager_pod("cp-1", POD_NETWORK),
        *(m.calico_node_pod(name, ip) for name, _z, _c, ip, _cp in NODES),
        m.storage_class("encrypted-ssd", "ebs.csi.aws.com", default=True, parameters={"encrypted": "true"}),
        m.cluster_role("cluster-admin", [m.rule(["*"], ["*"], ["*"])]),
        m.cluster_role("view", [m.rule(["get", "list", "watch"], ["pods"])]),
    ]


def deployed(ns: str, name: str, replicas: int, on: list[str], **spec: Any) -> list[Obj]:
    """A Deployment at revision 1 with its ReplicaSet and running pods."""
    deploy = m.deployment(ns, name, replicas, **spec)
    deploy["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
    return [deploy, m.replica_set(deploy, 1), *m.pods_of(deploy, on)]


def with_debug_container(pod: Obj, privileged: bool = True) -> Obj:
    """What `kubectl debug -it POD --image=busybox --profile=sysadmin` leaves on a pod."""
    pod["spec"]["ephemeralContainers"] = [
        {
            "name": "debugger-x7k2p",
            "image": "busybox:1.36",
            "stdin": True,
            "tty": True,
            "targetContainerName": "app",
            "securityContext": {"privileged": privileged},
        }
    ]
    pod["status"]["ephemeralContainerStatuses"] = [
        {
            "name": "debugger-x7k2p",
            "image": "busybox:1.36",
            "imageID": "",
            "ready": False,
            "restartCount": 0,
            "state": {"running": {"startedAt": "2026-12-04T09:12:00Z"}},
        }
    ]
    return pod
