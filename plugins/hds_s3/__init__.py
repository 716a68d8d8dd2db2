"""Built-in S3 plugin: object stores on AWS or S3-compatible providers (OVHcloud, Scaleway,
Outscale, Ceph, MinIO...) — encryption, TLS-only access, public access, versioning, Object Lock,
access logging and its retention, replication, data location in the EEA, and the AWS account's
CloudTrail, console MFA and access-key age.

Registered through the `hds.plugins` entry point like any outside plugin. Nothing here imports
boto3 at import time: the SDK loads when a target is collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_s3.target import S3Target, endpoint_key

if TYPE_CHECKING:
    from pydantic import BaseModel

    from controlplane.demo_context import DemoContext
    from controlplane.evidence.witness import WitnessScheme
    from controlplane.plugin_types import TenantView
    from controlplane.reversibility.model import Reversibility
    from controlplane.traces.record import TraceSource

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "s3",
            S3Target,
            deferred("hds_s3.collect", "collect_s3"),
            "S3-compatible object store: buckets and, on AWS, the account",
            endpoint=endpoint_key,
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_s3.demo import demo_setup  # the demo's local endpoint code loads only for `hdsctl demo`

    demo_setup(ctx)


@hookimpl
def hds_witnesses() -> list[WitnessScheme]:
    from hds_s3.witness import witness_schemes  # boto3 itself loads only when a witness is used

    return witness_schemes()


@hookimpl
def hds_trace_sources(tenant: TenantView, target_kind: str, target: BaseModel, timeout_s: float) -> list[TraceSource]:
    if target_kind != "s3":
        return []
    from hds_s3.traces import trace_sources  # boto3 loads only when a source is read

    return trace_sources(tenant, target, timeout_s)  # type: ignore[arg-type]


@hookimpl
def hds_reversibility() -> list[Reversibility]:
    from controlplane.reversibility.model import Reversibility

    return [
        Reversibility(
            "s3",
            export=deferred("hds_s3.reversibility", "export_s3"),
            inspect=deferred("hds_s3.destruction", "inspect_s3"),
        )
    ]
