"""Network isolation between tenants (ISO 27001:2022 A.8.22, A.8.20): NetworkPolicies.

Kubernetes admits every connection to a pod that no ingress NetworkPolicy selects, and a
selected pod only what some policy admits. A tenant is isolated when every pod is selected
(a default-deny policy does that) and no rule admits peers in namespaces outside the tenant.
Findings count the outside namespaces a rule reaches and never name them: they may be another
tenant's. Platform namespaces (ingress controller, monitoring) are named in the target's own
configuration and are allowed.
"""

from __future__ import annotations

from typing import Any

from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, listed, precheck, ref
from hds_kubernetes.objects import NetworkPolicy, Peer
from hds_kubernetes.scope import TenantScope

FINISHED = ("Succeeded", "Failed")
"""Pod phases with no container left to reach."""


def _is_default_deny(p: NetworkPolicy) -> bool:
    return p.governs_ingress and p.pod_selector.is_empty and not p.ingress


def default_deny_ingress(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("networkpolicies",))
    if not go_on:
        return findings
    for ns in scope.namespaces:
        policies = scope.contents_of(ns.name).policies
        deny = sorted(p.name for p in policies if _is_default_deny(p))
        evidence = {
            **base_evidence(scope),
            "default_deny_policies": deny,
            "policies": listed(p.name for p in policies),
        }
        if deny:
            findings.append(
                Finding(
                    Status.passed,
                    f"namespace {ns.name}: NetworkPolicy {deny[0]} denies all ingress by default",
                    ns.name,
                    evidence,
                )
            )
        else:
            findings.append(
                Finding(
                    Status.failed,
                    f"namespace {ns.name} has no default-deny ingress NetworkPolicy (podSelector {{}}, "
                    "policyTypes [Ingress], no ingress rule): pods accept traffic no policy was written for",
                    ns.name,
                    evidence,
                )
            )
    return findings


def _peer_problem(scope: TenantScope, peer: Peer, admitted_platform: set[str]) -> str | None:
    """Why this peer admits traffic from outside the tenant, or None."""
    if peer.ip_block is not None:
        if peer.ip_block.endswith("/0"):
            return f"ipBlock {peer.ip_block} admits every address, other tenants' pods included"
        return None
    if peer.namespace_selector is None:
        return None  # a podSelector alone stays within the policy's own namespace
    reached = [o for o in scope.outside if peer.namespace_selector.matches(o.labels)]
    admitted_platform.update(o.platform_name for o in reached if o.platform_name)
    foreign = sum(1 for o in reached if o.platform_name is None)
    if foreign:
        return (
            f"namespaceSelector {peer.namespace_selector} admits traffic from {foreign} namespace(s) "
            "outside this tenant (other tenants' namespaces or unlisted ones)"
        )
    return None


def _policy_problems(scope: TenantScope, p: NetworkPolicy, admitted_platform: set[str]) -> list[str]:
    problems = []
    for i, rule in enumerate(p.ingress):
        if not rule.peers:
            problems.append(
                f"ingress rule {i} has no 'from': it admits every source, other tenants' namespaces included"
            )
        for peer in rule.peers:
            problem = _peer_problem(scope, peer, admitted_platform)
            if problem:
                problems.append(f"ingress rule {i}: {problem}")
    return problems


def cross_tenant_ingress(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("networkpolicies", "pods"))
    if not go_on:
        return findings
    for ns in scope.namespaces:
        box = scope.contents_of(ns.name)
        policies = [p for p in box.policies if p.governs_ingress]
        admitted_platform: set[str] = set()
        failed = False
        for p in sorted(policies, key=lambda p: p.name):
            problems = _policy_problems(scope, p, admitted_platform)
            if problems:
                failed = True
                evidence: dict[str, Any] = {
                    **base_evidence(scope),
                    "pod_selector": str(p.pod_selector),
                    "problems": problems,
                }
                findings.append(
                    Finding(
                        Status.failed,
                        f"NetworkPolicy {p.name} in {ns.name}: {problems[0]}",
                        ref(ns.name, "NetworkPolicy", p.name),
                        evidence,
                    )
                )
        if not any(p.pod_selector.is_empty for p in policies):
            live = [pod for pod in box.pods if pod.phase not in FINISHED]
            exposed = [pod.name for pod in live if not any(p.pod_selector.matches(pod.labels) for p in policies)]
            if exposed or not live:
                failed = True
                who = f"pods {', '.join(listed(exposed))} are" if exposed else "any pod started here would be"
                findings.append(
                    Finding(
                        Status.failed,
                        f"namespace {ns.name}: {who} selected by no ingress NetworkPolicy, so Kubernetes admits "
                        "traffic to them from every namespace, other tenants' included",
                        ns.name,
                        {**base_evidence(scope), "unisolated_pods": listed(exposed), "ingress_policies": len(policies)},
                    )
                )
        if not failed:
            findings.append(
                Finding(
                    Status.passed,
                    f"namespace {ns.name}: every pod is isolated and no ingress rule admits traffic from outside "
                    "this tenant"
                    + (
                        f" (platform namespaces admitted: {', '.join(sorted(admitted_platform))})"
                        if admitted_platform
                        else ""
                    ),
                    ns.name,
                    {
                        **base_evidence(scope),
                        "ingress_policies": sorted(p.name for p in policies),
                        "platform_namespaces_admitted": sorted(admitted_platform),
                        "ip_blocks": sorted(
                            {peer.ip_block for p in policies for r in p.ingress for peer in r.peers if peer.ip_block}
                        ),
                    },
                )
            )
    return findings
