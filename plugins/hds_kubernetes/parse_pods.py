"""Raw pods, pod templates and their owners (JSON dicts, as the API server or `kubectl get -o
json` gives them) → the typed objects of `objects`: what runs and what will run, every
container of it (init and ephemeral ones included), where it may be scheduled, who owns it,
and the control-plane and network-plugin pods of kube-system."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hds_kubernetes.objects import (
    ControlPlanePod,
    NodeRequirement,
    Placement,
    Pod,
    PodSpecSummary,
    PodTemplateOwner,
    ReplicaSet,
    SpreadRule,
    Toleration,
    Workload,
)
from hds_kubernetes.parse import (
    CONTROL_PLANE_NAMESPACE,
    _cidr,
    _condition_true,
    _is_ip,
    _labels,
    _list,
    _map,
    _strings,
)
from hds_kubernetes.selectors import parse_selector

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CONTAINER_LISTS = (
    ("initContainers", "init container"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeral container"),
)
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


def template_owner(kind: str) -> Callable[[Mapping[str, Any]], PodTemplateOwner]:
    """A DaemonSet (`spec.template`) or a CronJob (`spec.jobTemplate.spec.template`)."""

    def parse(obj: Mapping[str, Any]) -> PodTemplateOwner:
        meta = _map(obj.get("metadata"), "metadata")
        spec = _map(obj.get("spec"), "spec")
        if kind == "CronJob":
            spec = _map(_map(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"), "spec.jobTemplate.spec")
        template = _map(spec.get("template"), "spec.template")
        return PodTemplateOwner(kind, str(meta["namespace"]), str(meta["name"]), pod_spec(template.get("spec")))

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
