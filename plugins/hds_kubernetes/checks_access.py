"""Least privilege (ISO 27001:2022 A.8.2, A.5.15): RBAC bindings of the tenant.

The tenant's identities are its namespaces' ServiceAccounts and every user or group its
namespaces' RoleBindings grant access to. None may hold cluster-admin or a role with wildcard
verbs or resources, in its namespaces or cluster-wide. A ClusterRoleBinding is reported by the
tenant identities it binds only: its other subjects may be another tenant's.

Subjects are judged by whom the API server matches (`principals`): a User named
`system:serviceaccount:<ns>:<name>` is that ServiceAccount, and the cluster-wide groups
(`system:authenticated`, `system:serviceaccounts`, `system:unauthenticated`, User
`system:anonymous`) include every tenant's callers.
"""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, listed, precheck, ref
from hds_kubernetes.objects import Binding, Role, Subject
from hds_kubernetes.principals import POPULATIONS, outside_description, principal
from hds_kubernetes.scope import TenantScope

CLUSTER_ADMIN = "cluster-admin"
SELF_REVIEWS = frozenset({"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"})
"""What the built-in roles bound to `system:authenticated` allow (`system:basic-user`): a
caller asking about its own rights, which reads nothing of any namespace."""
RBAC_RESOURCES = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")


def _role_of(scope: TenantScope, b: Binding) -> Role | None:
    if b.role_kind == "ClusterRole":
        return scope.cluster_roles.get(b.role_name)
    return scope.contents_of(b.namespace).roles.get(b.role_name) if b.namespace in scope.contents else None


def _excess(scope: TenantScope, b: Binding) -> str | None:
    """What is too broad in the bound role, or None."""
    if b.role_kind == "ClusterRole" and b.role_name == CLUSTER_ADMIN:
        return "ClusterRole cluster-admin"
    role = _role_of(scope, b)
    if role is None:
        return None
    wild = sorted({w for rule in role.rules for w in (*rule.wildcards, *rule.escalations)})
    return f"{b.role_kind} {b.role_name} ({', '.join(wild)})" if wild else None


def _tenant_identities(scope: TenantScope) -> set[Subject]:
    own = scope.namespace_names
    identities: set[Subject] = set()
    for ns in own:
        for b in scope.contents_of(ns).bindings:
            for s in b.subjects:
                p = principal(s)
                if p.population is not None:
                    continue
                if p.sa_namespace is not None:
                    if p.sa_namespace in own:
                        identities.add(p.identity)
                else:
                    identities.add(p.identity)
    return identities


def _tenant_share(s: Subject, own: frozenset[str], identities: set[Subject]) -> str | None:
    """How a ClusterRoleBinding subject covers this tenant's identities, or None."""
    p = principal(s)
    if p.population is not None:
        return str(s)
    if p.sa_namespace is not None:
        return str(p.identity) if p.sa_namespace in own else None
    return str(s) if p.identity in identities else None


def _as_grantee(name: str) -> str:
    """`this tenant's User alice`, or a population with what it means."""
    population = next((text for (kind, who), text in POPULATIONS.items() if name == f"{kind} {who}"), None)
    return f"{population}, this tenant's identities included" if population else f"this tenant's {name}"


def _shown(s: Subject, own: frozenset[str], platform: set[str]) -> str:
    """A subject as a finding may show it: never the name of another tenant's namespace."""
    p = principal(s)
    if p.sa_namespace is not None and p.sa_namespace not in own and p.sa_namespace not in platform:
        return outside_description(p)
    return str(s)


@check("kubernetes.privileged_bindings", "kubernetes", "no cluster-admin or wildcard roles")
def privileged_bindings(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, RBAC_RESOURCES)
    if not go_on:
        return findings
    own, platform = scope.namespace_names, set(scope.platform_namespaces)
    checked = 0
    for ns in scope.namespaces:
        for b in sorted(scope.contents_of(ns.name).bindings, key=lambda b: b.name):
            checked += 1
            excess = _excess(scope, b)
            if excess:
                subjects = [_shown(s, own, platform) for s in b.subjects]
                findings.append(
                    Finding(
                        Status.failed,
                        f"RoleBinding {b.name} in {ns.name} grants {excess} to {', '.join(listed(subjects))}",
                        ref(ns.name, "RoleBinding", b.name),
                        {**base_evidence(scope), "role": f"{b.role_kind}/{b.role_name}", "subjects": listed(subjects)},
                    )
                )
    identities = _tenant_identities(scope)
    cluster_grants: list[dict[str, Any]] = []
    for b in sorted(scope.cluster_bindings, key=lambda b: b.name):
        names = [share for s in b.subjects if (share := _tenant_share(s, own, identities))]
        if not names:
            continue
        excess = _excess(scope, b)
        cluster_grants.append({"binding": b.name, "role": b.role_name, "tenant_subjects": listed(names)})
        if excess:
            findings.append(
                Finding(
                    Status.failed,
                    f"ClusterRoleBinding {b.name} grants {excess} cluster-wide to "
                    f"{', '.join(_as_grantee(n) for n in listed(names))}",
                    f"ClusterRoleBinding/{b.name}",
                    {**base_evidence(scope), "role": f"ClusterRole/{b.role_name}", "tenant_subjects": listed(names)},
                )
            )
    if not any(f.status is Status.failed for f in findings):
        findings.append(
            Finding(
                Status.passed,
                f"no binding grants cluster-admin or a wildcard role to this tenant's identities "
                f"({checked} RoleBinding(s) in its namespaces, {len(cluster_grants)} ClusterRoleBinding(s) naming it)",
                "rbac",
                {
                    **base_evidence(scope),
                    "rolebindings_checked": checked,
                    "tenant_identities": listed(str(s) for s in identities),
                    "cluster_role_bindings_naming_tenant": cluster_grants,
                },
            )
        )
    return findings


def _outside_grant(s: Subject, own: frozenset[str], platform: set[str]) -> str | None:
    """Why this subject of a tenant RoleBinding lies outside the tenant, or None."""
    p = principal(s)
    if p.population is not None:
        return p.population
    if p.sa_namespace is None or p.sa_namespace in own or p.sa_namespace in platform:
        return None
    return outside_description(p)


def _reads_namespaces(role: Role | None) -> bool:
    """Whether a ClusterRole grants anything on API resources beyond a caller's own reviews."""
    if role is None:
        return False
    return any(set(rule.resources) - SELF_REVIEWS for rule in role.rules)


def _cluster_wide_openings(scope: TenantScope) -> list[Finding]:
    """ClusterRoleBindings granting a cluster-wide population rights on resources: they open
    every namespace, this tenant's included."""
    out = []
    for b in sorted(scope.cluster_bindings, key=lambda b: b.name):
        who = [p.population for s in b.subjects if (p := principal(s)).population is not None]
        if not who or not _reads_namespaces(scope.cluster_roles.get(b.role_name)):
            continue
        out.append(
            Finding(
                Status.failed,
                f"ClusterRoleBinding {b.name} grants ClusterRole {b.role_name} to {who[0]}: it opens every "
                "namespace, this tenant's included",
                f"ClusterRoleBinding/{b.name}",
                {**base_evidence(scope), "role": f"ClusterRole/{b.role_name}", "outside_grants": who},
            )
        )
    return out


@check("kubernetes.cross_namespace_bindings", "kubernetes", "no RoleBinding to outside subjects")
def cross_namespace_bindings(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("rolebindings", "clusterrolebindings", "clusterroles"))
    if not go_on:
        return findings
    findings += _cluster_wide_openings(scope)
    own, platform = scope.namespace_names, set(scope.platform_namespaces)
    for ns in scope.namespaces:
        bindings = sorted(scope.contents_of(ns.name).bindings, key=lambda b: b.name)
        bad = 0
        platform_grants: set[str] = set()
        for b in bindings:
            reasons = [r for s in b.subjects if (r := _outside_grant(s, own, platform))]
            platform_grants |= {
                str(p.identity) for s in b.subjects if (p := principal(s)).sa_name and p.sa_namespace in platform
            }
            if reasons:
                bad += 1
                findings.append(
                    Finding(
                        Status.failed,
                        f"RoleBinding {b.name} in {ns.name} grants {b.role_kind} {b.role_name} to {reasons[0]}"
                        + (f" (and {len(reasons) - 1} more outside subject(s))" if len(reasons) > 1 else ""),
                        ref(ns.name, "RoleBinding", b.name),
                        {**base_evidence(scope), "role": f"{b.role_kind}/{b.role_name}", "outside_grants": reasons},
                    )
                )
        if not bad:
            note = f" and platform ServiceAccounts {', '.join(sorted(platform_grants))}" if platform_grants else ""
            findings.append(
                Finding(
                    Status.passed,
                    f"namespace {ns.name}: its {len(bindings)} RoleBinding(s) grant access only to this tenant's "
                    f"ServiceAccounts{note} (users and groups of the tenant aside)",
                    ns.name,
                    {
                        **base_evidence(scope),
                        "rolebindings": listed(b.name for b in bindings),
                        "platform_service_accounts": sorted(platform_grants),
                    },
                )
            )
    return findings
