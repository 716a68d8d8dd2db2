"""What one tenant's checks see of a shared cluster snapshot.

The snapshot in the cache holds every tenant's objects; a check never receives it. It receives
a `TenantScope`: the tenant's own namespaces and their objects, the cluster-wide facts every
tenant depends on (nodes, storage classes, cluster roles and bindings, the API server's flags)
and, for the namespaces outside the tenant, only their labels — enough to count what a
NetworkPolicy selector reaches, with no name a finding could repeat (a platform namespace,
named in the tenant's own configuration, is the one exception).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hds_kubernetes.objects import Binding, ControlPlanePod, Namespace, Node, Role, StorageClass
from hds_kubernetes.snapshot import ClusterSnapshot, NamespaceContents
from hds_kubernetes.target import KubernetesTarget

FINISHED = ("Succeeded", "Failed")
"""Pod phases with no container left to reach."""


@dataclass(frozen=True, slots=True)
class OutsideNamespace:
    """A namespace that is not the tenant's: its labels, to evaluate selectors, never reported."""

    labels: Mapping[str, str]
    platform_name: str | None
    """Its name if it is one of the target's platform namespaces (the operator named it)."""


class OutsidePodAddresses:
    """The addresses of running pods outside the tenant (no name, no namespace): what an
    ipBlock would admit of other tenants. Computed on first use, since only policies with
    ipBlocks need it."""

    __slots__ = ("_contents", "_ips", "_own")

    def __init__(self, contents: Mapping[str, NamespaceContents], own: frozenset[str]) -> None:
        self._contents = contents
        self._own = own
        self._ips: tuple[str, ...] | None = None

    def ips(self) -> tuple[str, ...]:
        if self._ips is None:
            self._ips = tuple(
                ip
                for ns, box in self._contents.items()
                if ns not in self._own
                for pod in box.pods
                if pod.phase not in FINISHED and not pod.spec.host_network
                for ip in pod.ips
            )
        return self._ips


@dataclass(frozen=True)
class TenantScope:
    cluster: str
    observed_at: datetime
    selection: str
    namespaces: tuple[Namespace, ...]
    missing: tuple[str, ...]
    """Namespaces the configuration names that the cluster does not have."""
    contents: Mapping[str, NamespaceContents]
    outside: tuple[OutsideNamespace, ...]
    platform_namespaces: tuple[str, ...]
    nodes: tuple[Node, ...]
    cluster_roles: Mapping[str, Role]
    cluster_bindings: tuple[Binding, ...]
    storage_classes: Mapping[str, StorageClass]
    control_plane_pods: tuple[ControlPlanePod, ...]
    unavailable: Mapping[str, str]
    network_plugins: tuple[str, ...] = ()
    cluster_cidrs: tuple[str, ...] = ()
    outside_pods: OutsidePodAddresses = field(default_factory=lambda: OutsidePodAddresses({}, frozenset()))
    traces: Mapping[str, Any] | None = None
    """When the target's audit log files were written (`controlplane.traces.coverage.summarise`),
    when it declares `trace_logs`; per tenant, never shared through the cluster cache."""

    @property
    def namespace_names(self) -> frozenset[str]:
        return frozenset(ns.name for ns in self.namespaces)

    def contents_of(self, namespace: str) -> NamespaceContents:
        return self.contents[namespace]


def tenant_scope(snapshot: ClusterSnapshot, target: KubernetesTarget) -> TenantScope:
    selection = target.namespaces
    selector = selection.selector.to_selector() if selection.selector is not None else None
    own = [
        ns
        for name, ns in sorted(snapshot.namespaces.items())
        if name in selection.names or (selector is not None and selector.matches(ns.labels))
    ]
    own = [ns for ns in own if ns.name not in target.platform_namespaces]
    own_names = {ns.name for ns in own}
    platform = set(target.platform_namespaces)
    outside = tuple(
        OutsideNamespace(ns.labels, ns.name if ns.name in platform else None)
        for name, ns in sorted(snapshot.namespaces.items())
        if name not in own_names
    )
    return TenantScope(
        cluster=snapshot.identity.describe(),
        observed_at=snapshot.collected_at,
        selection=selection.describe(),
        namespaces=tuple(own),
        missing=tuple(n for n in selection.names if n not in snapshot.namespaces),
        contents={name: snapshot.contents_of(name) for name in sorted(own_names)},
        outside=outside,
        platform_namespaces=target.platform_namespaces,
        nodes=snapshot.nodes,
        cluster_roles=snapshot.cluster_roles,
        cluster_bindings=snapshot.cluster_bindings,
        storage_classes=snapshot.storage_classes,
        control_plane_pods=snapshot.control_plane_pods,
        unavailable=snapshot.unavailable,
        network_plugins=snapshot.network_plugins,
        cluster_cidrs=snapshot.cluster_cidrs,
        outside_pods=OutsidePodAddresses(snapshot.contents, frozenset(own_names)),
    )
