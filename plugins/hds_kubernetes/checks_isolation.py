"""Network isolation between tenants (ISO 27001:2022 A.8.22, A.8.20): NetworkPolicies.

Kubernetes admits every connection to a pod that no ingress NetworkPolicy selects, and a
selected pod only what some policy admits. A tenant is isolated when every pod is selected
(a default-deny policy does that) and no rule admits peers in namespaces outside the tenant.
Findings count the outside namespaces a rule reaches and never name them: they may be another
tenant's. Platform namespaces (ingress controller, monitoring) are named in the target's own
configuration and are allowed.

An `ipBlock` is judged on the addresses it admits (its `except` ranges carved out, see
`networks`): it fails when it covers the cluster's pod network (kube-controller-manager's
`--cluster-cidr`, the nodes' `spec.podCIDRs`; every private range when neither is published),
the address of a running pod outside the tenant, or a node's address — on network plugins that
match pod addresses against ipBlocks, as Calico and Cilium do; the evidence states it.
"""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, listed, precheck, ref
from hds_kubernetes.networks import CNI_ASSUMPTION, PRIVATE_RANGES, admitted, inside, overlapping
from hds_kubernetes.objects import NetworkPolicy, Peer
from hds_kubernetes.scope import FINISHED, TenantScope


def _is_default_deny(p: NetworkPolicy) -> bool:
    return p.governs_ingress and p.pod_selector.is_empty and not p.ingress


@check("kubernetes.default_deny_ingress", "kubernetes", "default-deny ingress NetworkPolicy")
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
        return _ip_block_problem(scope, peer.ip_block, peer.ip_except)
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


def pod_network(scope: TenantScope) -> tuple[list[str], str]:
    """The cluster's pod network and where it was read from."""
    if scope.cluster_cidrs:
        return list(scope.cluster_cidrs), "kube-controller-manager --cluster-cidr"
    cidrs = sorted({c for n in scope.nodes for c in n.pod_cidrs})
    if cidrs:
        return cidrs, "nodes' spec.podCIDRs"
    return list(PRIVATE_RANGES), "not published (no --cluster-cidr, no node podCIDR): every private range assumed"


def _ip_block_problem(scope: TenantScope, cidr: str, excepts: tuple[str, ...]) -> str | None:
    nets = admitted(cidr, excepts)
    if not nets:
        return None  # its except ranges remove every address
    reached = []
    network, _source = pod_network(scope)
    hit = overlapping(nets, network)
    if hit:
        reached.append(f"the cluster's pod network ({', '.join(hit)})")
    pods = inside(nets, scope.outside_pods.ips())
    if pods and not hit:
        reached.append(f"the addresses of {len(pods)} running pod(s) outside this tenant")
    nodes = [n.name for n in scope.nodes if inside(nets, n.addresses)]
    if nodes:
        reached.append(f"the addresses of {len(nodes)} node(s) (host-network pods, node-level SNAT)")
    if not reached:
        return None
    block = f"ipBlock {cidr}" + (f" except {', '.join(excepts)}" if excepts else "")
    whole = nets[0].prefixlen == 0 and not excepts
    return (
        f"{block} admits {'every address, ' if whole else ''}{' and '.join(reached)}: other tenants' pods "
        "included, on network plugins matching pod addresses against ipBlocks"
    )


def ip_block_assumption(scope: TenantScope) -> dict[str, Any]:
    """Evidence of what an ipBlock verdict assumes of the network plugin."""
    network, source = pod_network(scope)
    plugins = ", ".join(scope.network_plugins) or "not identified from kube-system pods"
    return {
        "network_plugin": plugins,
        "ip_block_verdict_assumes": CNI_ASSUMPTION,
        "pod_network": network,
        "pod_network_source": source,
    }


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


@check("kubernetes.cross_tenant_ingress", "kubernetes", "no ingress from other tenants' namespaces")
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
                if any(peer.ip_block for r in p.ingress for peer in r.peers):
                    evidence.update(ip_block_assumption(scope))
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
        on_host = sorted(p.name for p in box.pods if p.phase not in FINISHED and p.spec.host_network)
        if on_host:
            failed = True
            findings.append(
                Finding(
                    Status.failed,
                    f"namespace {ns.name}: pods {', '.join(listed(on_host))} run with hostNetwork: they listen on "
                    "their node's addresses, where NetworkPolicies do not apply (the API leaves host-network pods "
                    "to the network plugin), so other tenants' pods can reach them",
                    ns.name,
                    {**base_evidence(scope), "host_network_pods": listed(on_host)},
                )
            )
        if not failed:
            blocks = sorted(
                {
                    peer.ip_block + (f" except {', '.join(peer.ip_except)}" if peer.ip_except else "")
                    for p in policies
                    for r in p.ingress
                    for peer in r.peers
                    if peer.ip_block
                }
            )
            evidence = {
                **base_evidence(scope),
                "ingress_policies": sorted(p.name for p in policies),
                "platform_namespaces_admitted": sorted(admitted_platform),
                "ip_blocks": blocks,
                **(ip_block_assumption(scope) if blocks else {}),
            }
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
                    evidence,
                )
            )
    return findings
