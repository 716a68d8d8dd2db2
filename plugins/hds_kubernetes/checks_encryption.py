"""Encryption in transit and at rest (ISO 27001:2022 A.8.24): Ingress TLS, encrypted volumes.

At-rest encryption is a property of the storage backend that the Kubernetes API does not
expose; the operator declares which StorageClasses are encrypted (`encrypted_storage_classes`)
and the check proves every tenant volume uses one — the claims that exist, and the claims a
StatefulSet's `volumeClaimTemplates` will create for its next replicas. The provisioner and its encryption
parameters are shown as evidence to support that declaration.
"""

from __future__ import annotations

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, precheck, ref
from hds_kubernetes.objects import Ingress, VolumeClaim
from hds_kubernetes.scope import TenantScope


def _covered(host: str, tls_hosts: tuple[str, ...]) -> bool:
    """TLS `hosts` match rule hosts exactly, or by a wildcard for one left-most label."""
    if host in tls_hosts:
        return True
    head, _, rest = host.partition(".")
    return bool(head) and head != "*" and f"*.{rest}" in tls_hosts


def _judge_ingress(scope: TenantScope, ing: Ingress) -> Finding:
    uncovered = [h for h in ing.hosts if not (_covered(h, ing.tls_hosts) if h else ing.tls_without_hosts)]
    evidence = {
        **base_evidence(scope),
        "hosts": [h or "(any host)" for h in ing.hosts],
        "tls_hosts": list(ing.tls_hosts),
        "ssl_redirect_disabled": ing.ssl_redirect_disabled,
    }
    where = ref(ing.namespace, "Ingress", ing.name)
    if not ing.hosts:
        return Finding(Status.not_applicable, f"Ingress {ing.name} has no rule: it serves nothing", where, evidence)
    if uncovered:
        shown = ", ".join(h or "rules without host (any name)" for h in uncovered)
        return Finding(
            Status.failed, f"Ingress {ing.name} in {ing.namespace} serves {shown} without TLS", where, evidence
        )
    if ing.ssl_redirect_disabled:
        return Finding(
            Status.failed,
            f"Ingress {ing.name} in {ing.namespace} has TLS but ssl-redirect is 'false': its hosts are also "
            "served over plain HTTP",
            where,
            evidence,
        )
    hosts = ", ".join(h or "(any host)" for h in ing.hosts)
    return Finding(Status.passed, f"Ingress {ing.name} in {ing.namespace} serves {hosts} over TLS", where, evidence)


@check("kubernetes.ingress_tls", "kubernetes", "every Ingress host has TLS")
def ingress_tls(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("ingresses",))
    if not go_on:
        return findings
    ingresses = [
        i for ns in scope.namespaces for i in sorted(scope.contents_of(ns.name).ingresses, key=lambda i: i.name)
    ]
    findings += [_judge_ingress(scope, ing) for ing in ingresses]
    if not ingresses:
        findings.append(
            Finding(
                Status.not_applicable,
                f"no Ingress in namespaces {', '.join(ns.name for ns in scope.namespaces)}: nothing is exposed by one",
                "ingresses",
                {**base_evidence(scope), "namespaces": [ns.name for ns in scope.namespaces]},
            )
        )
    return findings


def default_class(scope: TenantScope) -> str | None:
    """The StorageClass a claim without one gets: of several defaults, the DefaultStorageClass
    admission plugin picks the most recently created (then the name, as it sorts)."""
    defaults = [sc for sc in scope.storage_classes.values() if sc.is_default]
    if not defaults:
        return None
    return max(defaults, key=lambda sc: (sc.created, sc.name)).name


def _judge_claim(
    scope: TenantScope, claim: VolumeClaim, declared: tuple[str, ...], what: str | None = None, where: str = ""
) -> Finding:
    """A claim that exists, or (`what` set) a StatefulSet's claim template: what it will create."""
    what = what or f"PVC {claim.name} in {claim.namespace}"
    where = where or ref(claim.namespace, "PersistentVolumeClaim", claim.name)
    evidence = {**base_evidence(scope), "phase": claim.phase, "encrypted_storage_classes": list(declared)}
    name = claim.storage_class
    if name is None:
        default = default_class(scope)
        if default is None:
            return Finding(
                Status.failed,
                f"{what} names no StorageClass and the cluster has no default one: "
                "its volume's encryption cannot be established",
                where,
                evidence,
            )
        name = default
        evidence["storage_class_from_default"] = True
    if name == "":
        return Finding(
            Status.failed,
            f'{what} binds a pre-provisioned volume (storageClassName ""): '
            "its encryption cannot be established from configuration",
            where,
            evidence,
        )
    sc = scope.storage_classes.get(name)
    evidence["storage_class"] = name
    evidence["provisioner"] = sc.provisioner if sc else None
    evidence["encryption_parameters"] = dict(sc.encryption_parameters) if sc else {}
    if name not in declared:
        why = "none is declared encrypted for this target" if not declared else "not declared encrypted"
        return Finding(Status.failed, f"{what} uses StorageClass {name}: {why}", where, evidence)
    return Finding(
        Status.passed,
        f"{what} uses StorageClass {name}, declared encrypted"
        + ("" if sc else " (the class is not in the cluster: the claim cannot be provisioned yet)"),
        where,
        evidence,
    )


def _claim_templates(scope: TenantScope, declared: tuple[str, ...]) -> list[Finding]:
    """StatefulSets' volumeClaimTemplates: the volumes their next replicas will get."""
    out = []
    for ns in scope.namespaces:
        for w in sorted(scope.contents_of(ns.name).workloads, key=lambda w: w.name):
            for tpl, sc in w.claim_templates:
                claim = VolumeClaim(ns.name, tpl, sc, "template")
                what = f"volumeClaimTemplate {tpl} of {w.kind} {w.name} in {ns.name}"
                out.append(_judge_claim(scope, claim, declared, what, f"{w.ref}/volumeClaimTemplates/{tpl}"))
    return out


@check("kubernetes.storage_encryption", "kubernetes", "volumes on encrypted StorageClasses")
def storage_encryption(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("persistentvolumeclaims", "storageclasses", "statefulsets"))
    if not go_on:
        return findings
    declared = tuple(getattr(ctx.target, "encrypted_storage_classes", ()))
    claims = [c for ns in scope.namespaces for c in sorted(scope.contents_of(ns.name).claims, key=lambda c: c.name)]
    findings += [_judge_claim(scope, c, declared) for c in claims]
    templates = _claim_templates(scope, declared)
    findings += templates
    if not claims and not templates:
        findings.append(
            Finding(
                Status.not_applicable,
                f"no PersistentVolumeClaim in namespaces {', '.join(ns.name for ns in scope.namespaces)}",
                "persistentvolumeclaims",
                {**base_evidence(scope), "namespaces": [ns.name for ns in scope.namespaces]},
            )
        )
    return findings
