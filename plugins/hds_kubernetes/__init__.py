"""Built-in Kubernetes plugin: per-tenant redundancy, isolation, least privilege, hardening,
encryption, data location and audit logging of shared clusters (HDS activities 3 and 4).

A cluster is read once per run (live API through the official client, or an offline
`kubectl get -o json` dump) into one typed snapshot; each tenant's checks read only its own
namespaces of it. Registered through the `hds.plugins` entry point like any outside plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, Deferred, TargetKind, deferred
from hds_kubernetes.target import KubernetesTarget

if TYPE_CHECKING:
    from controlplane.demo_context import DemoContext

__version__ = "0.1.0"

KIND = "kubernetes"


def _deferred(module: str, name: str) -> Deferred:
    """`hds_kubernetes.<module>.<name>`, imported on first call: building the registry (every
    `hdsctl` command) then costs only the target model, not the collector and the checks."""
    return deferred(f"hds_kubernetes.{module}", name)


CHECKS: list[tuple[str, str, str]] = [
    # (module, function = check name, description)
    ("checks_redundancy", "workload_replicas", ">= 2 ready replicas per workload"),
    ("checks_redundancy", "disruption_budgets", "a PodDisruptionBudget covers each workload"),
    ("checks_redundancy", "node_spread", "replicas spread across nodes"),
    ("checks_redundancy", "zone_spread", "nodes span >= 2 zones"),
    ("checks_isolation", "default_deny_ingress", "default-deny ingress NetworkPolicy"),
    ("checks_isolation", "cross_tenant_ingress", "no ingress from other tenants' namespaces"),
    ("checks_access", "privileged_bindings", "no cluster-admin or wildcard roles"),
    ("checks_access", "cross_namespace_bindings", "no RoleBinding to outside subjects"),
    ("checks_hardening", "pod_security_admission", "Pod Security 'restricted' enforced"),
    ("checks_hardening", "workload_hardening", "no privileged, hostPath, hostNetwork"),
    ("checks_encryption", "ingress_tls", "every Ingress host has TLS"),
    ("checks_encryption", "storage_encryption", "volumes on encrypted StorageClasses"),
    ("checks_location", "data_location", "nodes in allowed (EEA) regions"),
    ("checks_audit", "audit_logging", "API server audit logging enabled"),
]


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            KIND,
            KubernetesTarget,
            _deferred("collect", "collect_kubernetes"),
            "A tenant's namespaces of a Kubernetes cluster (live API or kubectl dump)",
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [CheckSpec(f"{KIND}.{name}", KIND, _deferred(module, name), text) for module, name, text in CHECKS]


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_kubernetes.demo import demo_setup

    demo_setup(ctx)
