"""`hdsctl demo` part of the S3 plugin: a local AWS-compatible endpoint (moto) on 127.0.0.1,
one account per demo tenant, with buckets and account settings matching the tenant's profile:
compliant, partly compliant, badly configured. Credentials go through `{env: ...}` references,
like a real fleet file.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from controlplane.demo_context import DemoContext, DemoTenant
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import AccountPlan, BucketPlan, create_kms_key, provision_account, provision_buckets

REGION = "eu-west-3"


def _compliant(p: str, key_arn: str) -> tuple[list[BucketPlan], AccountPlan, list[dict[str, Any]]]:
    buckets = [
        BucketPlan(
            f"{p}journaux",
            receives_logs=True,
            object_lock=("COMPLIANCE", 30),
            expire_days=400,
            noncurrent_expire_days=30,
        ),
        BucketPlan(f"{p}dossiers-replica", region="eu-central-1"),
        BucketPlan(
            f"{p}dossiers",
            encryption="aws:kms",
            kms_key=key_arn,
            log_to=f"{p}journaux",
            replicate_to=f"{p}dossiers-replica",
        ),
        BucketPlan(f"{p}sauvegardes", object_lock=("COMPLIANCE", 35), log_to=f"{p}journaux"),
    ]
    account = AccountPlan(
        trail_bucket=f"{p}journaux", console_users=(("admin.dupont", True),), key_users=("sauvegarde",)
    )
    declared = [
        {"name": f"{p}dossiers", "roles": ["data", "critical"], "require_kms": True},
        {"name": f"{p}sauvegardes", "roles": ["backup"]},
        {"name": f"{p}journaux", "roles": ["log"]},
    ]
    return buckets, account, declared


def _partial(p: str) -> tuple[list[BucketPlan], AccountPlan, list[dict[str, Any]]]:
    buckets = [
        # Logs kept 90 days where the contract says 180; no Object Lock on the log bucket.
        BucketPlan(f"{p}journaux", receives_logs=True, expire_days=90),
        BucketPlan(f"{p}dossiers-replica", region="eu-west-1"),
        # No policy refusing plain HTTP.
        BucketPlan(f"{p}dossiers", tls_only=False, log_to=f"{p}journaux", replicate_to=f"{p}dossiers-replica"),
        # A backup bucket that can be wiped.
        BucketPlan(f"{p}sauvegardes", log_to=f"{p}journaux"),
    ]
    account = AccountPlan(
        trail_bucket=f"{p}journaux", console_users=(("admin.martin", True), ("prestataire.externe", False))
    )
    declared = [
        {"name": f"{p}dossiers", "roles": ["data", "critical"]},
        {"name": f"{p}sauvegardes", "roles": ["backup"]},
        {"name": f"{p}journaux", "roles": ["log"]},
    ]
    return buckets, account, declared


def _noncompliant(p: str) -> tuple[list[BucketPlan], AccountPlan, list[dict[str, Any]]]:
    buckets = [
        BucketPlan(f"{p}copie", region="us-east-1", encryption="none", tls_only=False),
        # Unencrypted, public, logging into itself, replicated outside the EEA.
        BucketPlan(
            f"{p}resultats",
            encryption="none",
            tls_only=False,
            block_public_access=False,
            public_read_acl=True,
            receives_logs=True,
            log_to=f"{p}resultats",
            replicate_to=f"{p}copie",
        ),
        # Stored outside the EEA, public policy, no versioning, no Object Lock.
        BucketPlan(
            f"{p}archives",
            region="us-east-1",
            encryption="none",
            tls_only=False,
            block_public_access=False,
            public_policy=True,
            versioning=False,
        ),
    ]
    account = AccountPlan(trail="none", console_users=(("labo.admin", False),), public_access_block=False)
    declared = [
        {"name": f"{p}resultats", "roles": ["data", "critical"]},
        {"name": f"{p}archives", "roles": ["backup"]},
    ]
    return buckets, account, declared


def _env_name(tenant: DemoTenant, what: str) -> str:
    return f"HDS_DEMO_S3_{tenant.id.upper().replace('-', '_')}_{what}"


def _tenant(ctx: DemoContext, endpoint: LocalS3Endpoint, tenant: DemoTenant) -> None:
    creds: LocalCredentials = endpoint.new_account()
    prefix = f"{tenant.id}-"
    if tenant.profile == "compliant":
        buckets, account, declared = _compliant(prefix, create_kms_key(endpoint, creds, REGION))
    elif tenant.profile == "partial":
        buckets, account, declared = _partial(prefix)
    else:
        buckets, account, declared = _noncompliant(prefix)
    provision_buckets(endpoint, creds, buckets)
    provision_account(endpoint, creds, account, REGION)
    key_var, secret_var = _env_name(tenant, "KEY"), _env_name(tenant, "SECRET")
    ctx.env[key_var] = creds.access_key_id
    ctx.env[secret_var] = creds.secret_access_key
    entry: dict[str, Any] = {
        "name": "stockage-objet",
        "provider": "aws",
        "endpoint_url": endpoint.url,
        "region": REGION,
        "addressing_style": "path",
        "credentials": {"access_key_id": {"env": key_var}, "secret_access_key": {"env": secret_var}},
        "buckets": declared,
    }
    if tenant.profile == "noncompliant":
        entry["discover"] = {"prefix": prefix}  # also picks up the undeclared copy in us-east-1
    else:
        from hds_s3.demo.traces import seed_access_logs

        data = f"{prefix}dossiers"
        entry["trace_logs"] = seed_access_logs(ctx, endpoint, creds, prefix, data, tenant.profile == "partial")
    ctx.add_target(tenant.id, "s3", entry)


def demo_setup(ctx: DemoContext) -> None:
    if importlib.util.find_spec("moto") is None:
        ctx.note("S3 demo skipped: the local S3 endpoint needs moto; install it with pip install '.[demo]'")
        return
    endpoint = ctx.stack.enter_context(LocalS3Endpoint())
    for tenant in ctx.tenants:
        _tenant(ctx, endpoint, tenant)
