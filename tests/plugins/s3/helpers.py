"""Helpers for the S3 plugin tests: targets pointing at the local endpoint, check contexts,
hand-built snapshots, and reading the server's request log."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.results import Finding, Status
from hds_s3.collect import collect_s3
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint, RecordedRequest
from hds_s3.snapshot import Aspect, BucketSnapshot, S3Snapshot
from hds_s3.target import S3Target

CONTRACT = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365, "log_retention_max_days": None}
SUBRESOURCES = (
    "location",
    "encryption",
    "policy",
    "publicAccessBlock",
    "acl",
    "versioning",
    "object-lock",
    "logging",
    "lifecycle",
    "replication",
)


def unique(prefix: str) -> str:
    """Bucket names are global on the endpoint, like on AWS: each test makes its own."""
    return f"{prefix}-{secrets.token_hex(3)}"


@contextmanager
def credentials_env(creds: LocalCredentials) -> Iterator[dict[str, Any]]:
    """Put keys in the environment under fresh names; yield the target's credentials entry."""
    tag = secrets.token_hex(4).upper()
    key_var, secret_var = f"HDS_TEST_S3_KEY_{tag}", f"HDS_TEST_S3_SECRET_{tag}"
    os.environ[key_var], os.environ[secret_var] = creds.access_key_id, creds.secret_access_key
    try:
        yield {"access_key_id": {"env": key_var}, "secret_access_key": {"env": secret_var}}
    finally:
        os.environ.pop(key_var, None)
        os.environ.pop(secret_var, None)


def target(endpoint_url: str, credentials: Mapping[str, Any] | None, **fields: Any) -> S3Target:
    entry: dict[str, Any] = {
        "name": "stockage",
        "endpoint_url": endpoint_url,
        "region": "eu-west-3",
        "addressing_style": "path",
        "credentials": credentials,
        "max_attempts": 1,
    }
    entry.update(fields)
    return S3Target.model_validate(entry)


def tenant(contract: Mapping[str, Any] | None = None) -> TenantView:
    return TenantView("clinique-test", "Clinique de test", (3, 4, 5, 6), {**CONTRACT, **(contract or {})})


def collect(t: S3Target, timeout_s: float = 20) -> S3Snapshot:
    return collect_s3(t, CollectContext(tenant(), t.name, timeout_s))


def check_ctx(
    t: S3Target | None = None, params: Mapping[str, Any] | None = None, contract: Mapping[str, Any] | None = None
) -> CheckContext:
    model = t or S3Target.model_validate({"name": "stockage", "region": "eu-west-3", "buckets": [{"name": "unused"}]})
    return CheckContext(tenant(contract), model, model.name, "S3-XX", dict(params or {}))


def by_resource(findings: Iterable[Finding]) -> dict[str, Finding]:
    return {f.resource: f for f in findings}


def snapshot(*buckets: BucketSnapshot, **fields: Any) -> S3Snapshot:
    """A snapshot as a collection on AWS eu-west-3 would produce, with the given buckets."""
    base: dict[str, Any] = {
        "target": "stockage",
        "provider": "aws",
        "endpoint": "http://127.0.0.1:9",
        "region": "eu-west-3",
        "collected_at": datetime(2026, 6, 1, tzinfo=UTC),
        "allowed_regions": ("eu-west-3", "eu-central-1"),
        "allowed_regions_source": "test",
        "listing": Aspect.of(None),
        "buckets": buckets,
    }
    base.update(fields)
    return S3Snapshot(**base)


def bucket(name: str = "data", roles: tuple[str, ...] = ("data",), **aspects: Any) -> BucketSnapshot:
    """A bucket whose location is eu-west-3 unless given; other aspects as given."""
    aspects.setdefault("location", Aspect.of("eu-west-3"))
    return BucketSnapshot(name, roles, aspects.pop("require_kms", False), **aspects)


def statuses(findings: Iterable[Finding]) -> list[Status]:
    return [f.status for f in findings]


def s3_reads(requests: Iterable[RecordedRequest], access_key: str) -> Counter[tuple[str, str]]:
    """(bucket, subresource) → number of GETs, for one caller's S3 requests."""
    counts: Counter[tuple[str, str]] = Counter()
    for r in requests:
        if r.service != "s3" or r.method != "GET" or r.access_key != access_key or r.path in ("", "/"):
            continue
        if r.path.startswith("/v20180820/"):
            continue  # S3 Control (account level) signs as s3 too
        keys = parse_qs(r.query, keep_blank_values=True)
        sub = next((k for k in SUBRESOURCES if k in keys), "?")
        counts[(r.path.strip("/"), sub)] += 1
    return counts


def services_called(endpoint: LocalS3Endpoint, access_key: str) -> set[str]:
    return {r.service for r in endpoint.requests if r.access_key == access_key}
