"""Exactly what the plugin reads from a cluster, for the read-only RBAC ClusterRole.

The ClusterRole shipped for the control plane (infra/) must grant these rules and nothing
more; a test compares them, and another proves a collection requests nothing outside them.
Only `list` is needed: every kind is read with one paged, cluster-wide list call per run.
Secrets, ConfigMaps and pod logs are never read.
"""

from __future__ import annotations

API_READS: list[tuple[str, str, tuple[str, ...]]] = [
    # (api_group, resource, verbs) — "" is the core API group.
    ("", "namespaces", ("list",)),
    ("", "nodes", ("list",)),
    ("", "pods", ("list",)),
    ("", "persistentvolumeclaims", ("list",)),
    ("apps", "deployments", ("list",)),
    ("apps", "replicasets", ("list",)),
    ("apps", "daemonsets", ("list",)),
    ("batch", "cronjobs", ("list",)),
    ("apps", "statefulsets", ("list",)),
    ("policy", "poddisruptionbudgets", ("list",)),
    ("networking.k8s.io", "networkpolicies", ("list",)),
    ("networking.k8s.io", "ingresses", ("list",)),
    ("rbac.authorization.k8s.io", "roles", ("list",)),
    ("rbac.authorization.k8s.io", "rolebindings", ("list",)),
    ("rbac.authorization.k8s.io", "clusterroles", ("list",)),
    ("rbac.authorization.k8s.io", "clusterrolebindings", ("list",)),
    ("storage.k8s.io", "storageclasses", ("list",)),
]


def cluster_role_rules() -> list[dict[str, list[str]]]:
    """API_READS as ClusterRole `rules`, one rule per API group (the form a manifest uses)."""
    by_group: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for group, resource, verbs in API_READS:
        by_group.setdefault((group, verbs), []).append(resource)
    return [
        {"apiGroups": [group], "resources": sorted(resources), "verbs": list(verbs)}
        for (group, verbs), resources in by_group.items()
    ]
