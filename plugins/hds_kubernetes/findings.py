"""What every Kubernetes check does first: refuse to judge what could not be read.

A kind the collector could not list (403, not served, absent from a dump) turns the checks
that need it into `error` findings with the reason — an empty list would otherwise read as
"nothing wrong". Namespaces the configuration names but the cluster lacks are errors too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controlplane.results import Finding, Status
from hds_kubernetes.scope import TenantScope

MAX_LISTED = 20
"""Longest list of names put in one evidence field; the count is always given in full."""


def base_evidence(scope: TenantScope) -> dict[str, Any]:
    """Where and when the cluster was observed (a cached snapshot may be minutes old)."""
    return {"cluster": scope.cluster, "observed_at": scope.observed_at.isoformat(timespec="seconds")}


def listed(names: Iterable[str]) -> list[str]:
    items = sorted(names)
    return items if len(items) <= MAX_LISTED else [*items[:MAX_LISTED], f"... {len(items) - MAX_LISTED} more"]


def unreadable(scope: TenantScope, resources: Iterable[str]) -> list[Finding]:
    """One error per needed resource the collector could not read; empty when all were read."""
    return [
        Finding(Status.error, f"cannot judge: {resource} could not be read ({scope.unavailable[resource]})", resource)
        for resource in resources
        if resource in scope.unavailable
    ]


def namespace_problems(scope: TenantScope) -> list[Finding]:
    """Errors for a selection that names absent namespaces or matches none."""
    out = [
        Finding(
            Status.error,
            f"namespace {name} is declared for this tenant but does not exist in the cluster",
            name,
            {**base_evidence(scope), "selection": scope.selection},
        )
        for name in scope.missing
    ]
    if not scope.namespaces and not scope.missing:
        out.append(
            Finding(
                Status.error,
                f"no namespace of the cluster matches this tenant's selection ({scope.selection})",
                "namespaces",
                {**base_evidence(scope), "selection": scope.selection},
            )
        )
    return out


def precheck(scope: TenantScope, resources: Iterable[str], namespaced: bool = True) -> tuple[list[Finding], bool]:
    """Errors to report first, and whether the check can go on judging."""
    needed = ["namespaces", *resources] if namespaced else list(resources)
    blocked = unreadable(scope, needed)
    if blocked:
        return blocked, False
    problems = namespace_problems(scope) if namespaced else []
    return problems, bool(scope.namespaces) or not namespaced


def ref(namespace: str, kind: str, name: str) -> str:
    return f"{namespace}/{kind}/{name}"
