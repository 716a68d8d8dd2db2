"""`hdsctl demo` part of the Kubernetes plugin: one shared cluster, exported as a dump.

The demo tenants share a cluster in AWS Paris (three zones, a kubeadm control plane with
audit logging, its control-plane node tainted as kubeadm taints it, Calico as network
plugin). Each tenant's namespaces match its profile: compliant, partly compliant,
noncompliant. The cluster is written as a `kubectl get -o json` dump in the demo work
directory and each tenant gets a `dump` target on it, so the run lists the cluster once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from controlplane.demo_context import DemoContext, DemoTenant
from hds_kubernetes.demo import manifests as m
from hds_kubernetes.source_dump import write_dump

TENANT_LABEL = "hds.example.org/tenant"
PLATFORM_NS = "ingress-nginx"
ENCRYPTED_CLASS = "encrypted-ssd"
NODES = [("cp-1", "eu-west-3a")] + [(f"worker-{z}{i}", f"eu-west-3{z}") for z in "abc" for i in (1, 2)]
WORKERS = [n for n, _ in NODES if n.startswith("worker")]
POD_NETWORK = "10.244.0.0/16"
Obj = dict[str, Any]


def platform_objects() -> list[Obj]:
    """What every tenant shares: nodes, system namespaces, storage, built-in roles."""
    edit_rules = [
        m.rule(["get", "list", "watch", "create", "update", "patch", "delete"], ["pods", "services", "configmaps"])
    ]
    return [
        *(
            m.node(
                name,
                zone,
                "eu-west-3",
                control_plane=name == "cp-1",
                pod_cidr=f"10.244.{i}.0/24",
                address=f"10.0.{i}.10",
            )
            for i, (name, zone) in enumerate(NODES)
        ),
        m.namespace("kube-system", pod_security=None),
        m.namespace(PLATFORM_NS, pod_security="baseline"),
        m.apiserver_pod("cp-1", audit=True),
        m.controller_manager_pod("cp-1", POD_NETWORK),
        *(m.calico_node_pod(name, f"10.0.{i}.10") for i, (name, _zone) in enumerate(NODES)),
        m.storage_class(
            ENCRYPTED_CLASS, "ebs.csi.aws.com", default=True, parameters={"type": "gp3", "encrypted": "true"}
        ),
        m.storage_class("standard-unencrypted", "ebs.csi.aws.com", parameters={"type": "gp3"}),
        m.cluster_role("cluster-admin", [m.rule(["*"], ["*"], ["*"])]),
        m.cluster_role("edit", edit_rules),
        m.cluster_role("view", [m.rule(["get", "list", "watch"], ["pods", "services", "configmaps"])]),
    ]


def _serving(ns: str, name: str, replicas: int, nodes: list[str], **spec: Any) -> list[Obj]:
    deploy = m.deployment(ns, name, replicas, **spec)
    return [deploy, *m.pods_of(deploy, nodes)]


def compliant(t: DemoTenant) -> tuple[list[Obj], dict[str, Any]]:
    prod, data = f"{t.id}-prod", f"{t.id}-data"
    db = m.statefulset(data, "postgres", 3, spread="required", volume_claim="data")
    objs = [
        m.namespace(prod, {TENANT_LABEL: t.id}),
        m.namespace(data, {TENANT_LABEL: t.id}),
        *_serving(prod, "portail", 3, WORKERS[0::2], spread="hostname"),
        m.pdb(prod, "portail", "portail", min_available=2),
        db,
        *m.pods_of(db, WORKERS[1::2]),
        m.pdb(data, "postgres", "postgres", max_unavailable=1),
        *(m.pvc(data, f"data-postgres-{i}", ENCRYPTED_CLASS) for i in range(3)),
        m.default_deny(prod),
        m.default_deny(data),
        m.allow_from_namespace(prod, "allow-ingress-controller", PLATFORM_NS, "portail"),
        m.allow_from_namespace(data, "allow-from-portail", prod, "postgres"),
        m.role(prod, "deployer", [m.rule(["get", "list", "patch", "update"], ["deployments"], ["apps"])]),
        m.role_binding(prod, "ci-deployer", "Role", "deployer", [m.service_account(prod, "ci")]),
        m.role_binding(prod, "devs-edit", "ClusterRole", "edit", [m.group(f"{t.id}-devs")]),
        m.ingress(prod, "portail", [f"portail.{t.id}.example"], [f"portail.{t.id}.example"]),
    ]
    return objs, {"selector": {"matchLabels": {TENANT_LABEL: t.id}}}


def partial(t: DemoTenant) -> tuple[list[Obj], dict[str, Any]]:
    ns = f"{t.id}-prod"
    objs = [
        m.namespace(ns, {TENANT_LABEL: t.id}, pod_security="baseline"),
        *_serving(ns, "dossier-patient", 2, WORKERS[:2], spread="preferred"),
        m.pdb(ns, "dossier-patient", "dossier-patient", min_available=1),
        *_serving(ns, "agenda", 1, WORKERS[2:3], spread=None),
        m.default_deny(ns),
        m.allow_from_namespace(ns, "allow-ingress-controller", PLATFORM_NS),
        m.role_binding(ns, "devs-edit", "ClusterRole", "edit", [m.group(f"{t.id}-devs")]),
        m.ingress(ns, "dossier-patient", [f"dossier.{t.id}.example"], [f"dossier.{t.id}.example"]),
        m.ingress(ns, "agenda", [f"agenda.{t.id}.example"]),
        m.pvc(ns, "dossier-patient-pieces-jointes", ENCRYPTED_CLASS),
        m.pvc(ns, "agenda-exports", "standard-unencrypted"),
    ]
    return objs, {"names": [ns]}


def noncompliant(t: DemoTenant, neighbour_ns: str) -> tuple[list[Obj], dict[str, Any]]:
    ns = t.id
    objs = [
        m.namespace(ns, {TENANT_LABEL: t.id}, pod_security=None),
        *_serving(ns, "resultats", 1, WORKERS[:1], spread=None, privileged=True, host_path="/var/lib/resultats"),
        m.bare_pod(ns, "debug", WORKERS[0], host_network=True),
        m.network_policy(ns, "allow-all", ingress=[{}]),
        m.network_policy(ns, "allow-monitoring", ingress=[{"from": [{"namespaceSelector": {}}]}]),
        m.role(ns, "tout", [m.rule(["*"], ["*"], ["*"])]),
        m.role_binding(ns, "prestataire", "Role", "tout", [m.user(f"prestataire@{t.id}.example")]),
        m.role_binding(
            ns, "partage-resultats", "ClusterRole", "view", [m.service_account(neighbour_ns, "integration")]
        ),
        m.cluster_role_binding(f"{t.id}-automation-admin", "cluster-admin", [m.service_account(ns, "automation")]),
        m.ingress(
            ns,
            "resultats",
            [f"resultats.{t.id}.example"],
            annotations={"nginx.ingress.kubernetes.io/ssl-redirect": "false"},
        ),
        m.pvc(ns, "resultats-archives", None),
        m.pvc(ns, "resultats-legacy", ""),
    ]
    return objs, {"names": [ns]}


def demo_setup(ctx: DemoContext) -> None:
    objects = platform_objects()
    selections: dict[str, dict[str, Any]] = {}
    others = [t.id for t in ctx.tenants if t.profile != "noncompliant"]
    builders: dict[str, Callable[[DemoTenant], tuple[list[Obj], dict[str, Any]]]] = {
        "compliant": compliant,
        "partial": partial,
        "noncompliant": lambda t: noncompliant(t, f"{others[0] if others else 'voisin'}-prod"),
    }
    for tenant in ctx.tenants:
        objs, selection = builders[tenant.profile](tenant)
        objects += objs
        selections[tenant.id] = selection
    dump_dir = write_dump(ctx.workdir / "kubernetes" / "cluster-paris", objects)
    for tenant in ctx.tenants:
        entry: dict[str, Any] = {
            "name": "cluster-paris",
            "source": "dump",
            "dump_dir": str(dump_dir),
            "namespaces": selections[tenant.id],
            "encrypted_storage_classes": [ENCRYPTED_CLASS],
            "platform_namespaces": [PLATFORM_NS],
        }
        if tenant.profile != "noncompliant":
            from hds_kubernetes.demo.traces import write_audit_logs

            names = [n.get("metadata", {}).get("name", "") for n in objects if n.get("kind") == "Namespace"]
            mine = [n for n in names if n.startswith(f"{tenant.id}-")]
            entry["namespaces"] = {**selections[tenant.id], "names": mine}
            audit = ctx.workdir / "kubernetes" / "audit" / tenant.id
            entry["trace_logs"] = write_audit_logs(audit, mine, stopped=tenant.profile == "partial")
        ctx.add_target(tenant.id, "kubernetes", entry)
