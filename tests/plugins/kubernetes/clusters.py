"""Test clusters for the Kubernetes plugin, built from the plugin's API-shaped manifests:
two tenants sharing one cluster, one meeting every control and one failing them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controlplane.catalog import Catalog
from controlplane.plugin_types import CheckContext, TenantView
from hds_kubernetes.demo import manifests as m
from hds_kubernetes.kinds import KINDS, kind_of
from hds_kubernetes.snapshot import ClusterIdentity, ClusterSnapshot, SnapshotBuilder
from hds_kubernetes.target import KubernetesTarget

Obj = dict[str, Any]
NODES = [("node-a", "eu-west-3a"), ("node-b", "eu-west-3b"), ("node-c", "eu-west-3c")]
NODE_NAMES = [n for n, _ in NODES]


def platform() -> list[Obj]:
    """Shared cluster parts: three EEA nodes in three zones, kube-system with an audited API
    server, an ingress controller namespace, storage classes and the built-in roles."""
    return [
        *(m.node(name, zone, "eu-west-3") for name, zone in NODES),
        m.namespace("kube-system", pod_security=None),
        m.namespace("ingress-nginx", pod_security="baseline"),
        m.apiserver_pod("node-a"),
        m.storage_class("encrypted-ssd", "ebs.csi.aws.com", default=True, parameters={"encrypted": "true"}),
        m.storage_class("plain-hdd", "ebs.csi.aws.com"),
        m.cluster_role("cluster-admin", [m.rule(["*"], ["*"], ["*"])]),
        m.cluster_role("view", [m.rule(["get", "list", "watch"], ["pods"])]),
    ]


def good_tenant(ns: str) -> list[Obj]:
    """A namespace meeting every control."""
    web = m.deployment(ns, "web", 3, spread="hostname")
    return [
        m.namespace(ns, {"tenant": ns.split("-")[0]}),
        web,
        *m.pods_of(web, NODE_NAMES),
        m.pdb(ns, "web", "web", min_available=2),
        m.default_deny(ns),
        m.allow_same_namespace(ns),
        m.allow_from_namespace(ns, "from-ingress", "ingress-nginx", "web"),
        m.role(ns, "reader", [m.rule(["get", "list"], ["pods"])]),
        m.role_binding(ns, "ci", "Role", "reader", [m.service_account(ns, "ci")]),
        m.ingress(ns, "web", [f"{ns}.example.org"], [f"{ns}.example.org"]),
        m.pvc(ns, "data", "encrypted-ssd"),
    ]


def bad_tenant(ns: str, neighbour_ns: str) -> list[Obj]:
    """A namespace failing every namespace-scoped control, pointing at a neighbour's namespace."""
    app = m.deployment(ns, "app", 1, spread=None, privileged=True, host_path="/etc")
    return [
        m.namespace(ns, {"tenant": ns.split("-")[0]}, pod_security="baseline"),
        app,
        *m.pods_of(app, NODE_NAMES[:1]),
        m.network_policy(ns, "open", ingress=[{"from": [{"namespaceSelector": {}}]}]),
        m.role_binding(ns, "admin", "ClusterRole", "cluster-admin", [m.service_account(ns, "deployer")]),
        m.role_binding(ns, "shared", "ClusterRole", "view", [m.service_account(neighbour_ns, "robot")]),
        m.ingress(ns, "app", [f"{ns}.example.org"]),
        m.pvc(ns, "data", "plain-hdd"),
    ]


def shared_cluster() -> list[Obj]:
    """Two tenants on one cluster: `alpha` (alpha-prod) compliant, `beta` (beta-prod) not."""
    return [*platform(), *good_tenant("alpha-prod"), *bad_tenant("beta-prod", "alpha-prod")]


def snapshot_of(objects: Iterable[Obj], unavailable: dict[str, str] | None = None) -> ClusterSnapshot:
    builder = SnapshotBuilder(ClusterIdentity("dump", "/test/cluster"))
    for obj in objects:
        kind = kind_of(obj["apiVersion"], obj["kind"])
        assert kind is not None, obj["kind"]
        builder.add(kind, obj)
    for kind in KINDS:
        if unavailable and kind.resource in unavailable:
            builder.mark_unavailable(kind, unavailable[kind.resource])
        else:
            builder.mark_listed(kind)
    return builder.build(lambda k: "not listed")


def dump_target(namespaces: list[str] | dict[str, Any], **fields: Any) -> KubernetesTarget:
    """A target on the test cluster; the ingress controller's namespace is a platform one and
    `encrypted-ssd` the encrypted class unless the test says otherwise."""
    doc = {
        "name": "cluster",
        "dump_dir": "/test/cluster",
        "namespaces": namespaces,
        "platform_namespaces": ["ingress-nginx"],
        "encrypted_storage_classes": ["encrypted-ssd"],
        **fields,
    }
    return KubernetesTarget.model_validate(doc)


def check_context(catalog: Catalog, check_id: str, target: KubernetesTarget, **params: Any) -> CheckContext:
    control = next(c for c in catalog.controls.values() if c.check == check_id)
    return CheckContext(
        TenantView("alpha", "Alpha", (3, 4, 5), {}),
        target,
        target.name,
        control.id,
        {**control.parameters, **params},
    )
