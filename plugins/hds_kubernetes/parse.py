"""Raw API objects (JSON dicts, as the API server or `kubectl get -o json` gives them) → the
typed objects of `objects`. The API source and the dump source both go through here (and
through `parse_pods` for pods, templates and their owners), so the checks see exactly the same
snapshot whichever way the cluster was read."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from hds_kubernetes.objects import (
    REGION_LABEL,
    ZONE_LABEL,
    Binding,
    BudgetStatus,
    DisruptionBudget,
    Ingress,
    IngressRule,
    Namespace,
    NetworkPolicy,
    Node,
    Peer,
    PolicyRule,
    Role,
    StorageClass,
    Subject,
    Taint,
    VolumeClaim,
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
NODE_ADDRESS_TYPES = ("InternalIP", "ExternalIP")


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
