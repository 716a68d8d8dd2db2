"""Raw API objects (JSON dicts, as the API server or `kubectl get -o json` gives them) → the
typed objects of `objects`. The API source and the dump source both go through here, so the
checks see exactly the same snapshot whichever way the cluster was read."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hds_kubernetes.objects import (
    REGION_LABEL,
    ZONE_LABEL,
    Binding,
    BudgetStatus,
    ControlPlanePod,
    DisruptionBudget,
    Ingress,
    IngressRule,
    Namespace,
    NetworkPolicy,
    Node,
    NodeRequirement,
    Peer,
    Placement,
    Pod,
    PodSpecSummary,
    PolicyRule,
    ReplicaSet,
    Role,
    SpreadRule,
    StorageClass,
    Subject,
    Taint,
    Toleration,
    VolumeClaim,
    Workload,
)
from hds_kubernetes.selectors import LabelSelector, parse_selector

LEGACY_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
LEGACY_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
NGINX_SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"
CONTROL_PLANE_NAMESPACE = "kube-system"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CONTAINER_LISTS = (
    ("initContainers", "init container"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeral container"),
)
NODE_ADDRESS_TYPES = ("InternalIP", "ExternalIP")
NETWORK_PLUGINS = {
    # label k8s-app (or app.kubernetes.io/name) of the CNI's DaemonSet pods in kube-system
    "calico-node": "Calico",
    "cilium": "Cilium",
    "kube-flannel": "Flannel",
    "flannel": "Flannel",
    "weave-net": "Weave Net",
    "kube-router": "kube-router",
    "antrea-agent": "Antrea",
}


class ObjectError(ValueError):
    """An object that does not follow the API schema (only hand-edited dumps produce these)."""


def _map(raw: Any, field: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ObjectError(f"{field} must be a mapping, got {type(raw).__name__}")
    return dict(raw)


def _list(raw: Any, field: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ObjectError(f"{field} must be a list, got {type(raw).__name__}")
    return raw


def _labels(meta: Mapping[str, Any], field: str = "labels") -> dict[str, str]:
    return {str(k): str(v) for k, v in _map(meta.get(field), f"metadata.{field}").items()}


def _strings(raw: Any, field: str) -> tuple[str, ...]:
    return tuple(str(v) for v in _list(raw, field))


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    for cond in _list(status.get("conditions"), "status.conditions"):
        if isinstance(cond, Mapping) and cond.get("type") == kind:
            return cond.get("status") == "True"
    return False


def _spread_rules(spec: Mapping[str, Any]) -> tuple[SpreadRule, ...]:
    rules: list[SpreadRule] = []
    anti = _map(_map(spec.get("affinity"), "affinity").get("podAntiAffinity"), "podAntiAffinity")
    for term in _list(anti.get("requiredDuringSchedulingIgnoredDuringExecution"), "podAntiAffinity.required"):
        term = _map(term, "podAntiAffinity term")
        rules.append(
            SpreadRule(
                "podAntiAffinity.required", str(term.get("topologyKey", "")), parse_selector(term.get("labelSelector"))
            )
        )
    for weighted in _list(anti.get("preferredDuringSchedulingIgnoredDuringExecution"), "podAntiAffinity.preferred"):
        term = _map(_map(weighted, "podAntiAffinity term").get("podAffinityTerm"), "podAffinityTerm")
        rules.append(
            SpreadRule(
                "podAntiAffinity.preferred", str(term.get("topologyKey", "")), parse_selector(term.get("labelSelector"))
            )
        )
    for tsc in _list(spec.get("topologySpreadConstraints"), "topologySpreadConstraints"):
        tsc = _map(tsc, "topologySpreadConstraints[]")
        rules.append(
            SpreadRule(
                "topologySpreadConstraints", str(tsc.get("topologyKey", "")), parse_selector(tsc.get("labelSelector"))
            )
        )
    return tuple(rules)


def _containers(spec: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """Every container of a pod spec with what it is (`container 'app'`, `ephemeral container
    'debugger'`): init and ephemeral containers run on the node as much as the others."""
    for field, what in CONTAINER_LISTS:
        for c in _list(spec.get(field), f"spec.{field}"):
            c = _map(c, f"spec.{field}[]")
            yield f"{what} {str(c.get('name', '?'))!r}", c


def _placement(spec: Mapping[str, Any]) -> Placement:
    tolerations = []
    for t in _list(spec.get("tolerations"), "spec.tolerations"):
        t = _map(t, "spec.tolerations[]")
        tolerations.append(
            Toleration(
                key=str(t.get("key") or ""),
                operator=str(t.get("operator") or "Equal"),
                value=str(t.get("value") or ""),
                effect=str(t.get("effect") or ""),
            )
        )
    node_affinity = _map(_map(spec.get("affinity"), "affinity").get("nodeAffinity"), "nodeAffinity")
    required = _map(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"), "nodeAffinity.required")
    terms = []
    for term in _list(required.get("nodeSelectorTerms"), "nodeSelectorTerms"):
        term = _map(term, "nodeSelectorTerms[]")
        reqs = [
            NodeRequirement(
                str(_map(r, field).get("key", "")),
                str(_map(r, field).get("operator", "")),
                _strings(_map(r, field).get("values"), f"{field}[].values"),
                match_field=field == "matchFields",
            )
            for field in ("matchExpressions", "matchFields")
            for r in _list(term.get(field), f"nodeSelectorTerms[].{field}")
        ]
        terms.append(tuple(reqs))
    selector = {str(k): str(v) for k, v in _map(spec.get("nodeSelector"), "spec.nodeSelector").items()}
    return Placement(tuple(tolerations), tuple(sorted(selector.items())), tuple(terms))


def pod_spec(raw: Any) -> PodSpecSummary:
    spec = _map(raw, "pod spec")
    host_paths = []
    for vol in _list(spec.get("volumes"), "spec.volumes"):
        vol = _map(vol, "spec.volumes[]")
        if vol.get("hostPath") is not None:
            host_paths.append(f"{vol.get('name', '?')}:{_map(vol['hostPath'], 'hostPath').get('path', '?')}")
    privileged = [
        what
        for what, c in _containers(spec)
        if _map(c.get("securityContext"), "securityContext").get("privileged") is True
    ]
    return PodSpecSummary(
        host_network=spec.get("hostNetwork") is True,
        host_pid=spec.get("hostPID") is True,
        host_ipc=spec.get("hostIPC") is True,
        host_path_volumes=tuple(host_paths),
        privileged_containers=tuple(privileged),
        spread_rules=_spread_rules(spec),
        placement=_placement(spec),
    )


def namespace(obj: Mapping[str, Any]) -> Namespace:
    meta = _map(obj.get("metadata"), "metadata")
    labels = _labels(meta)
    labels.setdefault("kubernetes.io/metadata.name", str(meta["name"]))  # set by the API server since 1.21
    return Namespace(str(meta["name"]), labels)


def node(obj: Mapping[str, Any]) -> Node:
    meta = _map(obj.get("metadata"), "metadata")
    labels = _labels(meta)
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    taints = []
    for t in _list(spec.get("taints"), "spec.taints"):
        t = _map(t, "spec.taints[]")
        taints.append(Taint(str(t.get("key", "")), str(t.get("value") or ""), str(t.get("effect", ""))))
    cidrs = _strings(spec.get("podCIDRs"), "spec.podCIDRs") or ((str(spec["podCIDR"]),) if spec.get("podCIDR") else ())
    addresses = [
        str(_map(a, "status.addresses[]").get("address", ""))
        for a in _list(status.get("addresses"), "status.addresses")
        if _map(a, "status.addresses[]").get("type") in NODE_ADDRESS_TYPES
    ]
    return Node(
        name=str(meta["name"]),
        zone=labels.get(ZONE_LABEL) or labels.get(LEGACY_ZONE_LABEL),
        region=labels.get(REGION_LABEL) or labels.get(LEGACY_REGION_LABEL),
        ready=_condition_true(status, "Ready"),
        labels=labels,
        taints=tuple(taints),
        unschedulable=spec.get("unschedulable") is True,
        pod_cidrs=tuple(_cidr(c) for c in cidrs),
        addresses=tuple(a for a in addresses if _is_ip(a)),
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def workload(kind: str) -> Callable[[Mapping[str, Any]], Workload]:
    def parse(obj: Mapping[str, Any]) -> Workload:
        meta = _map(obj.get("metadata"), "metadata")
        spec = _map(obj.get("spec"), "spec")
        template = _map(spec.get("template"), "spec.template")
        replicas = spec.get("replicas")
        return Workload(
            kind=kind,
            namespace=str(meta["namespace"]),
            name=str(meta["name"]),
            replicas=1 if replicas is None else int(replicas),  # the API's default
            ready_replicas=int(_map(obj.get("status"), "status").get("readyReplicas") or 0),
            selector=parse_selector(spec.get("selector")),
            template_labels=_labels(_map(template.get("metadata"), "spec.template.metadata")),
            pod=pod_spec(template.get("spec")),
            claim_templates=tuple(_claim_template(t) for t in _list(spec.get("volumeClaimTemplates"), "claims")),
        )

    return parse


def _claim_template(raw: Any) -> tuple[str, str | None]:
    tpl = _map(raw, "volumeClaimTemplates[]")
    sc = _map(tpl.get("spec"), "volumeClaimTemplates[].spec").get("storageClassName")
    return str(_map(tpl.get("metadata"), "volumeClaimTemplates[].metadata").get("name", "?")), (
        None if sc is None else str(sc)
    )


def pod(obj: Mapping[str, Any]) -> Pod:
    meta = _map(obj.get("metadata"), "metadata")
    spec = _map(obj.get("spec"), "spec")
    status = _map(obj.get("status"), "status")
    owner = _controller(meta)
    return Pod(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        labels=_labels(meta),
        node_name=spec.get("nodeName"),
        phase=str(status.get("phase", "Unknown")),
        ready=_condition_true(status, "Ready"),
        owner_kind=owner.get("kind"),
        owner_name=owner.get("name"),
        spec=pod_spec(spec),
        ips=_pod_ips(status),
    )


def _controller(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ownerReference marked `controller: true` (the object that manages this one)."""
    for o in _list(meta.get("ownerReferences"), "metadata.ownerReferences"):
        ref = _map(o, "ownerReferences[]")
        if ref.get("controller") is True:
            return ref
    return {}


def _pod_ips(status: Mapping[str, Any]) -> tuple[str, ...]:
    ips = [str(_map(i, "status.podIPs[]").get("ip", "")) for i in _list(status.get("podIPs"), "status.podIPs")]
    if not ips and status.get("podIP"):
        ips = [str(status["podIP"])]
    return tuple(ip for ip in ips if _is_ip(ip))


def replica_set(obj: Mapping[str, Any]) -> ReplicaSet:
    meta = _map(obj.get("metadata"), "metadata")
    owner = _controller(meta)
    revision = _labels(meta, "annotations").get(REVISION_ANNOTATION, "")
    replicas = _map(obj.get("spec"), "spec").get("replicas")
    return ReplicaSet(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        owner_kind=owner.get("kind"),
        owner_name=owner.get("name"),
        revision=int(revision) if revision.isdigit() else None,
        replicas=1 if replicas is None else int(replicas),
    )


def network_plugin(obj: Mapping[str, Any]) -> str | None:
    """The network plugin a kube-system pod belongs to (its DaemonSet's pods carry its name)."""
    meta = _map(obj.get("metadata"), "metadata")
    if meta.get("namespace") != CONTROL_PLANE_NAMESPACE:
        return None
    labels = _labels(meta)
    for key in ("k8s-app", "app.kubernetes.io/name", "app", "name"):
        if labels.get(key) in NETWORK_PLUGINS:
            return NETWORK_PLUGINS[labels[key]]
    return None


def cluster_cidrs(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """`--cluster-cidr` of a kube-controller-manager pod of kube-system (kubeadm's static pod):
    the whole pod network, when the control plane is visible."""
    meta = _map(obj.get("metadata"), "metadata")
    if meta.get("namespace") != CONTROL_PLANE_NAMESPACE:
        return ()
    name = str(meta.get("name", ""))
    if _labels(meta).get("component") != "kube-controller-manager" and not name.startswith("kube-controller-manager"):
        return ()
    for c in _list(_map(obj.get("spec"), "spec").get("containers"), "spec.containers"):
        c = _map(c, "spec.containers[]")
        flags = _flags(_strings(c.get("command"), "command") + _strings(c.get("args"), "args"))
        if flags.get("--cluster-cidr"):
            return tuple(_cidr(x.strip()) for x in flags["--cluster-cidr"].split(","))
    return ()


def _flags(args: Iterable[str]) -> dict[str, str]:
    """`--a=1 --b 2 --c` → {"--a": "1", "--b": "2", "--c": ""}."""
    out: dict[str, str] = {}
    items = list(args)
    for i, arg in enumerate(items):
        if not arg.startswith("--"):
            continue
        name, eq, value = arg.partition("=")
        if not eq and i + 1 < len(items) and not items[i + 1].startswith("--"):
            value = items[i + 1]
        out[name] = value
    return out


def control_plane_pod(obj: Mapping[str, Any]) -> ControlPlanePod | None:
    """The kube-apiserver pod of kube-system this object is, if it is one."""
    meta = _map(obj.get("metadata"), "metadata")
    if meta.get("namespace") != CONTROL_PLANE_NAMESPACE:
        return None
    name = str(meta.get("name", ""))
    if _labels(meta).get("component") != "kube-apiserver" and not name.startswith("kube-apiserver"):
        return None
    spec = _map(obj.get("spec"), "spec")
    for c in _list(spec.get("containers"), "spec.containers"):
        c = _map(c, "spec.containers[]")
        command = _strings(c.get("command"), "command") + _strings(c.get("args"), "args")
        if c.get("name") == "kube-apiserver" or (command and command[0].endswith("kube-apiserver")):
            return ControlPlanePod(name, spec.get("nodeName"), _flags(command))
    return None


def disruption_budget(obj: Mapping[str, Any]) -> DisruptionBudget:
    meta = _map(obj.get("metadata"), "metadata")
    spec = _map(obj.get("spec"), "spec")
    return DisruptionBudget(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        selector=parse_selector(spec.get("selector")),
        min_available=spec.get("minAvailable"),
        max_unavailable=spec.get("maxUnavailable"),
        status=_budget_status(meta, _map(obj.get("status"), "status")),
    )


def _budget_status(meta: Mapping[str, Any], status: Mapping[str, Any]) -> BudgetStatus | None:
    """The controller's own figures, unless it has not yet observed the current spec."""
    fields = ("desiredHealthy", "currentHealthy", "expectedPods", "disruptionsAllowed")
    if not all(isinstance(status.get(f), int) for f in fields):
        return None
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if isinstance(generation, int) and (not isinstance(observed, int) or observed < generation):
        return None
    return BudgetStatus(
        int(status["desiredHealthy"]),
        int(status["currentHealthy"]),
        int(status["expectedPods"]),
        int(status["disruptionsAllowed"]),
    )


def _peer(raw: Any) -> Peer:
    peer = _map(raw, "ingress[].from[]")
    block = _map(peer.get("ipBlock"), "ipBlock")
    return Peer(
        pod_selector=parse_selector(peer.get("podSelector")),
        namespace_selector=parse_selector(peer.get("namespaceSelector")),
        ip_block=_cidr(block["cidr"]) if "cidr" in block else None,
        ip_except=tuple(_cidr(c) for c in _strings(block.get("except"), "ipBlock.except")),
    )


def _cidr(raw: Any) -> str:
    """A CIDR as the API server accepts it (host bits allowed); ValueError otherwise."""
    return str(ipaddress.ip_network(str(raw), strict=False))


def network_policy(obj: Mapping[str, Any]) -> NetworkPolicy:
    meta = _map(obj.get("metadata"), "metadata")
    spec = _map(obj.get("spec"), "spec")
    types = _strings(spec.get("policyTypes"), "spec.policyTypes")
    if not types:  # the API's default: Ingress always, Egress when egress rules are given
        types = ("Ingress", "Egress") if spec.get("egress") else ("Ingress",)
    rules = tuple(
        IngressRule(tuple(_peer(p) for p in _list(_map(r, "ingress[]").get("from"), "ingress[].from")))
        for r in _list(spec.get("ingress"), "spec.ingress")
    )
    return NetworkPolicy(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        pod_selector=parse_selector(spec.get("podSelector")) or LabelSelector(),
        policy_types=types,
        ingress=rules,
    )


def role(obj: Mapping[str, Any]) -> Role:
    meta = _map(obj.get("metadata"), "metadata")
    rules = []
    for r in _list(obj.get("rules"), "rules"):
        r = _map(r, "rules[]")
        rules.append(
            PolicyRule(
                verbs=_strings(r.get("verbs"), "verbs"),
                api_groups=_strings(r.get("apiGroups"), "apiGroups"),
                resources=_strings(r.get("resources"), "resources"),
                non_resource_urls=_strings(r.get("nonResourceURLs"), "nonResourceURLs"),
            )
        )
    return Role(str(meta.get("namespace") or ""), str(meta["name"]), tuple(rules))


def binding(obj: Mapping[str, Any]) -> Binding:
    meta = _map(obj.get("metadata"), "metadata")
    ns = str(meta.get("namespace") or "")
    ref = _map(obj.get("roleRef"), "roleRef")
    subjects = []
    for s in _list(obj.get("subjects"), "subjects"):
        s = _map(s, "subjects[]")
        kind = str(s.get("kind", ""))
        subject_ns = s.get("namespace") or (ns if kind == "ServiceAccount" and ns else None)
        subjects.append(Subject(kind, str(s.get("name", "")), subject_ns))
    return Binding(ns, str(meta["name"]), str(ref.get("kind", "")), str(ref.get("name", "")), tuple(subjects))


def ingress(obj: Mapping[str, Any]) -> Ingress:
    meta = _map(obj.get("metadata"), "metadata")
    spec = _map(obj.get("spec"), "spec")
    hosts = [str(_map(r, "rules[]").get("host") or "") for r in _list(spec.get("rules"), "spec.rules")]
    if not hosts and spec.get("defaultBackend") is not None:
        hosts = [""]
    tls_hosts: list[str] = []
    tls_without_hosts = False
    for entry in _list(spec.get("tls"), "spec.tls"):
        names = _strings(_map(entry, "tls[]").get("hosts"), "tls[].hosts")
        tls_hosts += names
        tls_without_hosts = tls_without_hosts or not names
    annotations = _labels(meta, "annotations")
    return Ingress(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        hosts=tuple(dict.fromkeys(hosts)),
        tls_hosts=tuple(tls_hosts),
        tls_without_hosts=tls_without_hosts,
        ssl_redirect_disabled=annotations.get(NGINX_SSL_REDIRECT, "").lower() == "false",
    )


def volume_claim(obj: Mapping[str, Any]) -> VolumeClaim:
    meta = _map(obj.get("metadata"), "metadata")
    spec = _map(obj.get("spec"), "spec")
    sc = spec.get("storageClassName")
    return VolumeClaim(
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        storage_class=None if sc is None else str(sc),
        phase=str(_map(obj.get("status"), "status").get("phase", "Unknown")),
    )


def storage_class(obj: Mapping[str, Any]) -> StorageClass:
    meta = _map(obj.get("metadata"), "metadata")
    annotations = _labels(meta, "annotations")
    params = {str(k): str(v) for k, v in _map(obj.get("parameters"), "parameters").items()}
    return StorageClass(
        name=str(meta["name"]),
        provisioner=str(obj.get("provisioner", "")),
        is_default=any(annotations.get(a, "").lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS),
        encryption_parameters={k: v for k, v in params.items() if "encrypt" in k.lower() or "kms" in k.lower()},
        created=str(meta.get("creationTimestamp") or ""),
    )
