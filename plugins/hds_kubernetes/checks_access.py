"""Least privilege (ISO 27001:2022 A.8.2, A.5.15): RBAC bindings of the tenant.

The tenant's identities are its namespaces' ServiceAccounts and every user or group its
namespaces' RoleBindings grant access to. None may hold cluster-admin or a role with wildcard
verbs or resources, in its namespaces or cluster-wide. A ClusterRoleBinding is reported by the
tenant identities it binds only: its other subjects may be another tenant's.
"""

from __future__ import annotations

from typing import Any

from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, listed, precheck, ref
from hds_kubernetes.objects import Binding, Role, Subject
from hds_kubernetes.scope import TenantScope

CLUSTER_ADMIN = "cluster-admin"
SA_GROUP_PREFIX = "system:serviceaccounts:"
CLUSTER_WIDE_GROUPS = {
    "system:serviceaccounts": "every ServiceAccount of the cluster",
    "system:authenticated": "every authenticated user of the cluster",
    "system:unauthenticated": "anonymous requests",
}
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
    wild = sorted({w for rule in role.rules for w in rule.wildcards})
    return f"{b.role_kind} {b.role_name} ({', '.join(wild)})" if wild else None


def _tenant_identities(scope: TenantScope) -> set[Subject]:
    own = scope.namespace_names
    identities: set[Subject] = set()
    for ns in own:
        for b in scope.contents_of(ns).bindings:
            for s in b.subjects:
                if s.kind == "ServiceAccount":
                    if s.namespace in own:
                        identities.add(s)
                elif s.kind == "Group" and s.name.startswith("system:"):
                    if s.name.removeprefix(SA_GROUP_PREFIX) in own:
                        identities.add(s)
                else:
                    identities.add(Subject(s.kind, s.name))
    return identities


def _is_tenant_subject(s: Subject, own: frozenset[str], identities: set[Subject]) -> bool:
    if s.kind == "ServiceAccount":
        return s.namespace in own
    if s.kind == "Group" and s.name.startswith(SA_GROUP_PREFIX):
        return s.name.removeprefix(SA_GROUP_PREFIX) in own
    return Subject(s.kind, s.name) in identities


def _shown(s: Subject, own: frozenset[str], platform: set[str]) -> str:
    """A subject as a finding may show it: never the name of another tenant's namespace."""
    if s.kind == "ServiceAccount" and s.namespace not in own and s.namespace not in platform:
        return "a ServiceAccount of a namespace outside this tenant"
    if s.kind == "Group" and s.name.startswith(SA_GROUP_PREFIX):
        ns = s.name.removeprefix(SA_GROUP_PREFIX)
        if ns not in own and ns not in platform:
            return "the ServiceAccounts of a namespace outside this tenant"
    return str(s)


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
        mine = [s for s in b.subjects if _is_tenant_subject(s, own, identities)]
        if not mine:
            continue
        excess = _excess(scope, b)
        names = [str(s) for s in mine]
        cluster_grants.append({"binding": b.name, "role": b.role_name, "tenant_subjects": listed(names)})
        if excess:
            findings.append(
                Finding(
                    Status.failed,
                    f"ClusterRoleBinding {b.name} grants {excess} cluster-wide to this tenant's "
                    f"{', '.join(listed(names))}",
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
    if s.kind == "ServiceAccount":
        if s.namespace in own or s.namespace in platform:
            return None
        return "a ServiceAccount of a namespace outside this tenant"
    if s.kind == "Group":
        if s.name in CLUSTER_WIDE_GROUPS:
            return CLUSTER_WIDE_GROUPS[s.name]
        if s.name.startswith(SA_GROUP_PREFIX):
            ns = s.name.removeprefix(SA_GROUP_PREFIX)
            if ns not in own and ns not in platform:
                return "all ServiceAccounts of a namespace outside this tenant"
    return None


def cross_namespace_bindings(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("rolebindings",))
    if not go_on:
        return findings
    own, platform = scope.namespace_names, set(scope.platform_namespaces)
    for ns in scope.namespaces:
        bindings = sorted(scope.contents_of(ns.name).bindings, key=lambda b: b.name)
        bad = 0
        platform_grants: set[str] = set()
        for b in bindings:
            reasons = [r for s in b.subjects if (r := _outside_grant(s, own, platform))]
            platform_grants |= {str(s) for s in b.subjects if s.kind == "ServiceAccount" and s.namespace in platform}
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
