"""One cluster, read once: the typed snapshot both sources build and every tenant's checks read.

The API source and the dump source feed raw objects into a `SnapshotBuilder` kind by kind
(page by page for the API, so memory holds typed objects, never a whole raw listing). A kind
that could not be read (403, not served, missing from a dump) is recorded with the reason in
`unavailable`: the checks that need it report `error` with that reason instead of judging an
empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hds_kubernetes import parse, parse_pods
from hds_kubernetes.kinds import KINDS, ResourceKind
from hds_kubernetes.objects import (
    Binding,
    ControlPlanePod,
    DisruptionBudget,
    Ingress,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    PodTemplateOwner,
    ReplicaSet,
    Role,
    StorageClass,
    VolumeClaim,
    Workload,
)
from hds_kubernetes.selectors import SelectorError


@dataclass(frozen=True, slots=True)
class ClusterIdentity:
    """Which cluster, read how. Also the cache key: the same identity is listed once."""

    source: str
    """`kubeconfig`, `in_cluster` or `dump`."""
    location: str
    """API server URL, or the dump directory."""
    credentials: str = ""
    """Where the credentials come from (kubeconfig file and context): two different
    credentials may see different things, so they are never merged. Never a secret."""

    def describe(self) -> str:
        if self.source == "dump":
            return f"dump {self.location}"
        via = f" ({self.credentials})" if self.credentials else ""
        return f"{self.source} {self.location}{via}"


@dataclass
class NamespaceContents:
    """The namespaced objects of one namespace."""

    workloads: list[Workload] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    replica_sets: dict[str, ReplicaSet] = field(default_factory=dict)
    templates: list[PodTemplateOwner] = field(default_factory=list)
    """DaemonSets and CronJobs."""
    budgets: list[DisruptionBudget] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    claims: list[VolumeClaim] = field(default_factory=list)


EMPTY_CONTENTS = NamespaceContents()


@dataclass(frozen=True)
class ClusterSnapshot:
    identity: ClusterIdentity
    collected_at: datetime
    namespaces: Mapping[str, Namespace]
    nodes: tuple[Node, ...]
    cluster_roles: Mapping[str, Role]
    cluster_bindings: tuple[Binding, ...]
    storage_classes: Mapping[str, StorageClass]
    control_plane_pods: tuple[ControlPlanePod, ...]
    contents: Mapping[str, NamespaceContents]
    unavailable: Mapping[str, str]
    """Resource (plural name) → why it could not be read."""
    object_count: int
    network_plugins: tuple[str, ...] = ()
    """Network plugins whose pods run in kube-system (Calico, Cilium...)."""
    cluster_cidrs: tuple[str, ...] = ()
    """kube-controller-manager `--cluster-cidr`, where the control plane is visible."""

    def contents_of(self, namespace: str) -> NamespaceContents:
        return self.contents.get(namespace, EMPTY_CONTENTS)


class SnapshotBuilder:
    """Accumulates parsed objects; not thread-safe (one collection fills one builder)."""

    def __init__(self, identity: ClusterIdentity) -> None:
        self.identity = identity
        self._listed: set[str] = set()
        self._unavailable: dict[str, str] = {}
        self._seen: set[tuple[str, str, str]] = set()
        self._namespaces: dict[str, Namespace] = {}
        self._nodes: list[Node] = []
        self._cluster_roles: dict[str, Role] = {}
        self._cluster_bindings: list[Binding] = []
        self._storage_classes: dict[str, StorageClass] = {}
        self._control_plane: list[ControlPlanePod] = []
        self._network_plugins: set[str] = set()
        self._cluster_cidrs: list[str] = []
        self._contents: dict[str, NamespaceContents] = {}
        self._count = 0

    def mark_listed(self, kind: ResourceKind) -> None:
        self._listed.add(kind.resource)

    def mark_unavailable(self, kind: ResourceKind, reason: str) -> None:
        self._unavailable[kind.resource] = reason

    def add(self, kind: ResourceKind, obj: Mapping[str, Any]) -> bool:
        """Parse and file one object; False for a duplicate (a dump may export a kind twice)."""
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping) or not meta.get("name"):
            raise parse.ObjectError(f"a {kind.kind} has no metadata.name")
        ns = str(meta.get("namespace") or "")
        if kind.namespaced and not ns:
            raise parse.ObjectError(f"{kind.kind} {meta['name']} has no metadata.namespace")
        key = (kind.resource, ns, str(meta["name"]))
        if key in self._seen:
            return False
        self._seen.add(key)
        try:
            self._file(kind, ns, obj)
        except (KeyError, TypeError, ValueError, SelectorError) as exc:
            where = f"{kind.kind} {ns + '/' if ns else ''}{meta['name']}"
            raise parse.ObjectError(f"{where}: {exc}") from None
        self._count += 1
        return True

    def _file(self, kind: ResourceKind, ns: str, obj: Mapping[str, Any]) -> None:
        r = kind.resource
        if r == "namespaces":
            item = parse.namespace(obj)
            self._namespaces[item.name] = item
        elif r == "nodes":
            self._nodes.append(parse.node(obj))
        elif r == "clusterroles":
            cluster_role = parse.role(obj)
            self._cluster_roles[cluster_role.name] = cluster_role
        elif r == "clusterrolebindings":
            self._cluster_bindings.append(parse.binding(obj))
        elif r == "storageclasses":
            sc = parse.storage_class(obj)
            self._storage_classes[sc.name] = sc
        else:
            self._file_namespaced(r, self._contents.setdefault(ns, NamespaceContents()), obj)

    def _file_namespaced(self, r: str, box: NamespaceContents, obj: Mapping[str, Any]) -> None:
        adders: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "deployments": lambda o: box.workloads.append(parse_pods.workload("Deployment")(o)),
            "statefulsets": lambda o: box.workloads.append(parse_pods.workload("StatefulSet")(o)),
            "daemonsets": lambda o: box.templates.append(parse_pods.template_owner("DaemonSet")(o)),
            "cronjobs": lambda o: box.templates.append(parse_pods.template_owner("CronJob")(o)),
            "poddisruptionbudgets": lambda o: box.budgets.append(parse.disruption_budget(o)),
            "networkpolicies": lambda o: box.policies.append(parse.network_policy(o)),
            "ingresses": lambda o: box.ingresses.append(parse.ingress(o)),
            "persistentvolumeclaims": lambda o: box.claims.append(parse.volume_claim(o)),
            "rolebindings": lambda o: box.bindings.append(parse.binding(o)),
        }
        if r == "pods":
            box.pods.append(parse_pods.pod(obj))
            apiserver = parse_pods.control_plane_pod(obj)
            if apiserver is not None:
                self._control_plane.append(apiserver)
            plugin = parse_pods.network_plugin(obj)
            if plugin is not None:
                self._network_plugins.add(plugin)
            self._cluster_cidrs += [c for c in parse_pods.cluster_cidrs(obj) if c not in self._cluster_cidrs]
        elif r == "replicasets":
            rs = parse_pods.replica_set(obj)
            box.replica_sets[rs.name] = rs
        elif r == "roles":
            item = parse.role(obj)
            box.roles[item.name] = item
        else:
            adders[r](obj)

    def build(self, missing_reason: Callable[[ResourceKind], str]) -> ClusterSnapshot:
        unavailable = dict(self._unavailable)
        for kind in KINDS:
            if kind.resource not in self._listed and kind.resource not in unavailable:
                unavailable[kind.resource] = missing_reason(kind)
        return ClusterSnapshot(
            identity=self.identity,
            collected_at=datetime.now(UTC),
            namespaces=dict(self._namespaces),
            nodes=tuple(sorted(self._nodes, key=lambda n: n.name)),
            cluster_roles=dict(self._cluster_roles),
            cluster_bindings=tuple(self._cluster_bindings),
            storage_classes=dict(self._storage_classes),
            control_plane_pods=tuple(self._control_plane),
            contents=dict(self._contents),
            network_plugins=tuple(sorted(self._network_plugins)),
            cluster_cidrs=tuple(self._cluster_cidrs),
            unavailable=unavailable,
            object_count=self._count,
        )
