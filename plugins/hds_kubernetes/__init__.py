"""Built-in Kubernetes plugin: per-tenant redundancy, isolation, least privilege, hardening,
encryption, data location and audit logging of shared clusters (HDS activities 3 and 4).

A cluster is read once per run (live API through the official client, or an offline
`kubectl get -o json` dump) into one typed snapshot; each tenant's checks read only its own
namespaces of it. Registered through the `hds.plugins` entry point like any outside plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, Deferred, TargetKind, deferred
from hds_kubernetes.target import KubernetesTarget

if TYPE_CHECKING:
    from pydantic import BaseModel

    from controlplane.demo_context import DemoContext
    from controlplane.plugin_types import TenantView
    from controlplane.traces.record import TraceSource

__version__ = "0.1.0"

KIND = "kubernetes"


def _deferred(module: str, name: str) -> Deferred:
    """`hds_kubernetes.<module>.<name>`, imported on first call: building the registry (every
    `hdsctl` command) then costs only the target model, not the collector and the checks."""
    return deferred(f"hds_kubernetes.{module}", name)


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
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_kubernetes.demo import demo_setup

    demo_setup(ctx)


@hookimpl
def hds_trace_sources(tenant: TenantView, target_kind: str, target: BaseModel, timeout_s: float) -> list[TraceSource]:
    if target_kind != "kubernetes":
        return []
    from hds_kubernetes.traces import trace_sources

    return trace_sources(target)  # type: ignore[arg-type]
