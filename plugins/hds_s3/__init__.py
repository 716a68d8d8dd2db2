"""Built-in S3 plugin: object stores on AWS or S3-compatible providers (OVHcloud, Scaleway,
Outscale, Ceph, MinIO...) — encryption, TLS-only access, public access, versioning, Object Lock,
access logging and its retention, replication, data location in the EEA, and the AWS account's
CloudTrail, console MFA and access-key age.

Registered through the `hds.plugins` entry point like any outside plugin. Nothing here imports
boto3 at import time: the SDK loads when a target is collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_s3.target import S3Target

if TYPE_CHECKING:
    from controlplane.demo_context import DemoContext
    from controlplane.evidence.witness import WitnessScheme

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "s3",
            S3Target,
            deferred("hds_s3.collect", "collect_s3"),
            "S3-compatible object store: buckets and, on AWS, the account",
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [
        CheckSpec(
            "s3.default_encryption",
            "s3",
            deferred("hds_s3.checks_encryption", "default_encryption"),
            "default encryption at rest",
        ),
        CheckSpec(
            "s3.kms_key_rotation", "s3", deferred("hds_s3.checks_encryption", "kms_key_rotation"), "KMS key rotation"
        ),
        CheckSpec(
            "s3.tls_only", "s3", deferred("hds_s3.checks_encryption", "tls_only"), "policy denies non-TLS requests"
        ),
        CheckSpec(
            "s3.public_access_bucket",
            "s3",
            deferred("hds_s3.checks_access", "public_access_bucket"),
            "no public bucket access",
        ),
        CheckSpec(
            "s3.public_access_account",
            "s3",
            deferred("hds_s3.checks_access", "public_access_account"),
            "account public block",
        ),
        CheckSpec("s3.versioning", "s3", deferred("hds_s3.checks_resilience", "versioning"), "versioning enabled"),
        CheckSpec(
            "s3.object_lock",
            "s3",
            deferred("hds_s3.checks_resilience", "object_lock"),
            "Object Lock on backup/log buckets",
        ),
        CheckSpec(
            "s3.access_logging",
            "s3",
            deferred("hds_s3.checks_logging", "access_logging"),
            "access logs kept as contracted",
        ),
        CheckSpec(
            "s3.replication", "s3", deferred("hds_s3.checks_resilience", "replication"), "critical buckets replicated"
        ),
        CheckSpec(
            "s3.data_location",
            "s3",
            deferred("hds_s3.checks_location", "data_location"),
            "buckets and replicas in the EEA",
        ),
        CheckSpec(
            "s3.cloudtrail", "s3", deferred("hds_s3.checks_account", "cloudtrail"), "CloudTrail multi-region, validated"
        ),
        CheckSpec("s3.console_mfa", "s3", deferred("hds_s3.checks_account", "console_mfa"), "console users have MFA"),
        CheckSpec(
            "s3.access_key_age", "s3", deferred("hds_s3.checks_account", "access_key_age"), "access keys not too old"
        ),
    ]


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_s3.demo import demo_setup  # the demo's local endpoint code loads only for `hdsctl demo`

    demo_setup(ctx)


@hookimpl
def hds_witnesses() -> list[WitnessScheme]:
    from hds_s3.witness import witness_schemes  # boto3 itself loads only when a witness is used

    return witness_schemes()
