"""The Kubernetes resource kinds the plugin reads, and where each lives in the API.

One table serves the API source (which client method lists the kind cluster-wide), the dump
source (which `apiVersion`/`kind` or file name maps to it) and the local API server used by the
demo and the tests (which URL path serves it). `permissions.API_READS` must match it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResourceKind:
    group: str
    """API group; "" is the core group."""
    version: str
    resource: str
    """Plural resource name, as in RBAC rules and URL paths."""
    kind: str
    namespaced: bool
    api_class: str
    """Class of the official client that lists it (`kubernetes.client.<api_class>`)."""
    list_method: str
    """Its cluster-wide list method (`list_*_for_all_namespaces` for namespaced kinds)."""
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_path(self) -> str:
        """URL path of the cluster-wide list (what the client requests)."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{prefix}/{self.resource}"

    @property
    def label(self) -> str:
        """`deployments.apps`, `pods`: the name kubectl and RBAC messages use."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def file_names(self) -> frozenset[str]:
        """File stems that mark a dump file as this kind's export, even when the list is empty."""
        return frozenset({self.resource, self.kind.lower(), self.label, *self.short_names})


KINDS: tuple[ResourceKind, ...] = (
    ResourceKind("", "v1", "namespaces", "Namespace", False, "CoreV1Api", "list_namespace", ("ns",)),
    ResourceKind("", "v1", "nodes", "Node", False, "CoreV1Api", "list_node", ("no",)),
    ResourceKind("", "v1", "pods", "Pod", True, "CoreV1Api", "list_pod_for_all_namespaces", ("po",)),
    ResourceKind(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        True,
        "CoreV1Api",
        "list_persistent_volume_claim_for_all_namespaces",
        ("pvc",),
    ),
    ResourceKind(
        "apps", "v1", "deployments", "Deployment", True, "AppsV1Api", "list_deployment_for_all_namespaces", ("deploy",)
    ),
    ResourceKind(
        "apps", "v1", "replicasets", "ReplicaSet", True, "AppsV1Api", "list_replica_set_for_all_namespaces", ("rs",)
    ),
    ResourceKind(
        "apps", "v1", "daemonsets", "DaemonSet", True, "AppsV1Api", "list_daemon_set_for_all_namespaces", ("ds",)
    ),
    ResourceKind("batch", "v1", "cronjobs", "CronJob", True, "BatchV1Api", "list_cron_job_for_all_namespaces", ("cj",)),
    ResourceKind(
        "apps", "v1", "statefulsets", "StatefulSet", True, "AppsV1Api", "list_stateful_set_for_all_namespaces", ("sts",)
    ),
    ResourceKind(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        True,
        "PolicyV1Api",
        "list_pod_disruption_budget_for_all_namespaces",
        ("pdb",),
    ),
    ResourceKind(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        True,
        "NetworkingV1Api",
        "list_network_policy_for_all_namespaces",
        ("netpol",),
    ),
    ResourceKind(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        True,
        "NetworkingV1Api",
        "list_ingress_for_all_namespaces",
        ("ing",),
    ),
    ResourceKind(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        True,
        "RbacAuthorizationV1Api",
        "list_role_for_all_namespaces",
    ),
    ResourceKind(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        True,
        "RbacAuthorizationV1Api",
        "list_role_binding_for_all_namespaces",
    ),
    ResourceKind(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        False,
        "RbacAuthorizationV1Api",
        "list_cluster_role",
    ),
    ResourceKind(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        False,
        "RbacAuthorizationV1Api",
        "list_cluster_role_binding",
    ),
    ResourceKind(
        "storage.k8s.io", "v1", "storageclasses", "StorageClass", False, "StorageV1Api", "list_storage_class", ("sc",)
    ),
)

BY_RESOURCE: dict[str, ResourceKind] = {k.resource: k for k in KINDS}
BY_GROUP_KIND: dict[tuple[str, str], ResourceKind] = {(k.group, k.kind): k for k in KINDS}


def kind_of(api_version: str, kind: str) -> ResourceKind | None:
    """The kind an object's `apiVersion`/`kind` names, whatever the version (v1beta1 exports too)."""
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return BY_GROUP_KIND.get((group, kind))


def kinds_for_file(stem: str) -> list[ResourceKind]:
    """Kinds a dump file's name declares exported: `netpol.json`, or kubectl's own comma list
    (`deploy,sts,pdb.json` for `kubectl get deploy,sts,pdb -A -o json`)."""
    names = [part.strip() for part in stem.lower().split(",")]
    return [k for k in KINDS if any(name in k.file_names() for name in names)]


SHORT_LIST = ",".join(k.short_names[0] if k.short_names else k.resource for k in KINDS)
"""Every kind, as one kubectl resource argument (and file name) for a one-file dump."""
