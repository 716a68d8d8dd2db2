"""Typed, trimmed views of the Kubernetes objects the checks judge.

Only the fields a check reads are kept: a cluster-wide snapshot stays small in memory, and
nothing else (environment variables, annotations, secrets' references) can leak into evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hds_kubernetes.selectors import LabelSelector

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
HOSTNAME_KEY = "kubernetes.io/hostname"
PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ESCALATING_VERBS = {
    "impersonate": ("users", "groups", "serviceaccounts", "uids", "userextras/scopes"),
    "escalate": ("roles", "clusterroles"),
    "bind": ("roles", "clusterroles"),
}


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str
    """`NoSchedule`, `PreferNoSchedule` or `NoExecute`."""

    def __str__(self) -> str:
        return f"{self.key}{'=' + self.value if self.value else ''}:{self.effect}"


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    zone: str | None
    region: str | None
    ready: bool
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    """`spec.unschedulable` (cordoned): the scheduler places no new pod there."""
    pod_cidrs: tuple[str, ...] = ()
    """`spec.podCIDRs` (or `spec.podCIDR`): the pod addresses the node hands out, when the
    cluster allocates them per node (kubeadm `--pod-network-cidr`, host-local IPAM)."""
    addresses: tuple[str, ...] = ()
    """`status.addresses` of type InternalIP/ExternalIP: the source address of traffic from
    host-network pods and of node-level SNAT."""


@dataclass(frozen=True, slots=True)
class SpreadRule:
    """A pod anti-affinity term or a topology spread constraint."""

    source: str
    """`podAntiAffinity.required`, `podAntiAffinity.preferred` or `topologySpreadConstraints`."""
    topology_key: str
    selector: LabelSelector | None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the scheduler may put the pod: tolerations, nodeSelector and required node affinity
    (evaluated by `scheduling`)."""

    tolerations: tuple[Toleration, ...] = ()
    node_selector: tuple[tuple[str, str], ...] = ()
    node_affinity: tuple[tuple[NodeRequirement, ...], ...] = ()
    """`requiredDuringScheduling...nodeSelectorTerms`: terms ORed, requirements ANDed."""


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""
    """"" tolerates every effect."""


@dataclass(frozen=True, slots=True)
class NodeRequirement:
    key: str
    operator: str
    """`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`."""
    values: tuple[str, ...] = ()
    match_field: bool = False
    """A `matchFields` requirement (only `metadata.name` exists): compared to the node's name."""


@dataclass(frozen=True, slots=True)
class PodSpecSummary:
    """What hardening and redundancy checks read from a pod spec (a pod's or a template's)."""

    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    host_path_volumes: tuple[str, ...] = ()
    """`volume-name:/host/path` of each hostPath volume."""
    privileged_containers: tuple[str, ...] = ()
    """`container 'app'`, `init container 'setup'`, `ephemeral container 'debugger'` (added by
    `kubectl debug`): every container of the pod, whatever list it is in."""
    spread_rules: tuple[SpreadRule, ...] = ()
    placement: Placement = field(default_factory=Placement)

    def hardening_issues(self) -> list[str]:
        issues = [f"{c} is privileged" for c in self.privileged_containers]
        issues += [f"hostPath volume {v}" for v in self.host_path_volumes]
        issues += [f"{flag} is true" for flag, on in self._host_flags() if on]
        return issues

    def _host_flags(self) -> list[tuple[str, bool]]:
        return [("hostNetwork", self.host_network), ("hostPID", self.host_pid), ("hostIPC", self.host_ipc)]


@dataclass(frozen=True, slots=True)
class Workload:
    kind: str
    """`Deployment` or `StatefulSet`."""
    namespace: str
    name: str
    replicas: int
    ready_replicas: int
    selector: LabelSelector | None
    template_labels: Mapping[str, str]
    pod: PodSpecSummary
    claim_templates: tuple[tuple[str, str | None], ...] = ()
    """A StatefulSet's `volumeClaimTemplates`: (name, storageClassName), the claims each new
    replica will get."""

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class PodTemplateOwner:
    """A DaemonSet or CronJob: a pod template that will run (on every node, or on schedule)
    whether or not a pod of it runs now."""

    kind: str
    namespace: str
    name: str
    pod: PodSpecSummary


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str]
    node_name: str | None
    phase: str
    ready: bool
    owner_kind: str | None
    owner_name: str | None
    spec: PodSpecSummary
    ips: tuple[str, ...] = ()
    """`status.podIPs` (or `status.podIP`)."""


@dataclass(frozen=True, slots=True)
class ReplicaSet:
    """Kept for attribution: which Deployment, which revision a running pod comes from."""

    namespace: str
    name: str
    owner_kind: str | None
    owner_name: str | None
    revision: int | None
    """`deployment.kubernetes.io/revision`; the highest is the Deployment's current template."""
    replicas: int


@dataclass(frozen=True, slots=True)
class ControlPlanePod:
    """A kube-apiserver pod of kube-system (a static pod on self-managed control planes)."""

    name: str
    node_name: str | None
    flags: Mapping[str, str]
    """`--flag` → value for every flag of its kube-apiserver container."""


@dataclass(frozen=True, slots=True)
class DisruptionBudget:
    namespace: str
    name: str
    selector: LabelSelector | None
    min_available: int | str | None
    max_unavailable: int | str | None
    status: BudgetStatus | None = None
    """What the disruption controller computed, if it has observed the current spec."""


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    desired_healthy: int
    current_healthy: int
    expected_pods: int
    disruptions_allowed: int


@dataclass(frozen=True, slots=True)
class Peer:
    """One `from` entry of a NetworkPolicy ingress rule."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: str | None = None
    ip_except: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IngressRule:
    peers: tuple[Peer, ...]
    """Empty: the rule admits every source."""


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: tuple[str, ...]
    ingress: tuple[IngressRule, ...]

    @property
    def governs_ingress(self) -> bool:
        return "Ingress" in self.policy_types


@dataclass(frozen=True, slots=True)
class PolicyRule:
    verbs: tuple[str, ...]
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    non_resource_urls: tuple[str, ...] = ()

    @property
    def wildcards(self) -> list[str]:
        out = []
        if "*" in self.verbs:
            out.append("verbs: *")
        if "*" in self.resources:
            out.append("resources: *")
        return out

    @property
    def escalations(self) -> list[str]:
        """Verbs worth cluster-admin without a wildcard: `impersonate` lets the holder act as
        any user, group or ServiceAccount; `escalate`/`bind` on roles let it grant itself
        rights it does not hold (RBAC's own escalation checks are lifted)."""
        out = [
            f"{verb} {resource}"
            for verb, targets in ESCALATING_VERBS.items()
            if verb in self.verbs
            for resource in self.resources
            if resource in targets
        ]
        return out


@dataclass(frozen=True, slots=True)
class Role:
    namespace: str
    """"" for a ClusterRole."""
    name: str
    rules: tuple[PolicyRule, ...]


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class Binding:
    namespace: str
    """"" for a ClusterRoleBinding."""
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]

    @property
    def kind(self) -> str:
        return "RoleBinding" if self.namespace else "ClusterRoleBinding"


@dataclass(frozen=True, slots=True)
class Ingress:
    namespace: str
    name: str
    hosts: tuple[str, ...]
    """Host of each rule; "" for a rule without host (it answers any host name)."""
    tls_hosts: tuple[str, ...]
    tls_without_hosts: bool
    """A `tls` entry without `hosts`: the controller's default certificate, for no named host."""
    ssl_redirect_disabled: bool
    """ingress-nginx `ssl-redirect: "false"`: plain HTTP is still served next to TLS."""


@dataclass(frozen=True, slots=True)
class VolumeClaim:
    namespace: str
    name: str
    storage_class: str | None
    """None: not set (the default StorageClass applies); "": explicitly no class."""
    phase: str


@dataclass(frozen=True, slots=True)
class StorageClass:
    name: str
    provisioner: str
    is_default: bool
    encryption_parameters: Mapping[str, str] = field(default_factory=dict)
    """Provisioner parameters about encryption (`encrypted`, `kmsKeyId`...), shown as evidence."""
    created: str = ""
    """`metadata.creationTimestamp` (RFC 3339, UTC): of several defaults, the newest applies."""
