"""Read one bucket's configuration: one request per aspect, each turned into an outcome.

The location is read first: a bucket that does not exist stops there, so a typo in hds.yaml
costs one request and yields one clear message instead of ten "NoSuchBucket" errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from hds_s3.client import fetch
from hds_s3.snapshot import BUCKET_ASPECTS, Aspect, AspectState


@dataclass(frozen=True, slots=True)
class AspectRead:
    operation: str
    """The S3 client method, called with Bucket=name."""
    parse: Callable[[Any], Any]
    missing: frozenset[str] = frozenset()
    """Error codes meaning "not configured"."""
    feature: str | None = None
    """The name under which a provider profile may declare the API missing."""


def _policy(response: Any) -> Any:
    try:
        document = json.loads(response["Policy"])
    except (ValueError, TypeError):
        return Aspect.error("the bucket policy is not valid JSON")
    return document if isinstance(document, dict) else Aspect.error("the bucket policy is not a JSON object")


def _acl(response: Any) -> dict[str, Any]:
    grants = []
    for grant in response.get("Grants", []):
        grantee = grant.get("Grantee", {})
        # Keep who, not personal details: type plus group URI or canonical ID.
        who = grantee.get("URI") or grantee.get("ID") or ("email grantee" if grantee.get("EmailAddress") else "")
        grants.append({"type": grantee.get("Type", ""), "grantee": who, "permission": grant.get("Permission", "")})
    return {"owner": response.get("Owner", {}).get("ID", ""), "grants": grants}


def _logging(response: Any) -> dict[str, Any]:
    enabled = response.get("LoggingEnabled") or {}
    return {k: v for k, v in enabled.items() if k in ("TargetBucket", "TargetPrefix", "TargetObjectKeyFormat")}


READS: dict[str, AspectRead] = {
    "encryption": AspectRead(
        "get_bucket_encryption",
        lambda r: r["ServerSideEncryptionConfiguration"].get("Rules", []),
        frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
    ),
    "policy": AspectRead("get_bucket_policy", _policy, frozenset({"NoSuchBucketPolicy"})),
    "public_access_block": AspectRead(
        "get_public_access_block",
        lambda r: r["PublicAccessBlockConfiguration"],
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
        "public_access_block",
    ),
    "acl": AspectRead("get_bucket_acl", _acl),
    "versioning": AspectRead(
        "get_bucket_versioning", lambda r: {"Status": r.get("Status"), "MFADelete": r.get("MFADelete")}
    ),
    "object_lock": AspectRead(
        "get_object_lock_configuration",
        lambda r: r["ObjectLockConfiguration"],
        frozenset({"ObjectLockConfigurationNotFoundError"}),
        "object_lock",
    ),
    "logging": AspectRead("get_bucket_logging", _logging, feature="logging"),
    "lifecycle": AspectRead(
        "get_bucket_lifecycle_configuration",
        lambda r: r.get("Rules", []),
        frozenset({"NoSuchLifecycleConfiguration"}),
        "lifecycle",
    ),
    "replication": AspectRead(
        "get_bucket_replication",
        lambda r: r["ReplicationConfiguration"],
        frozenset({"ReplicationConfigurationNotFoundError"}),
        "replication",
    ),
}


def normalise_location(constraint: str | None, provider: str, endpoint_region: str) -> str:
    """GetBucketLocation's answer as a region: AWS answers nothing for us-east-1 and `EU` for
    the oldest Irish buckets; other stores answering nothing mean their own region."""
    if not constraint:
        return "us-east-1" if provider == "aws" else endpoint_region
    return "eu-west-1" if constraint == "EU" else constraint


def read_bucket(
    s3: Any,
    name: str,
    provider: str,
    endpoint_region: str,
    unsupported: Mapping[str, str],
    aspects: Collection[str] = BUCKET_ASPECTS,
) -> dict[str, Aspect]:
    """The outcome of each requested aspect of bucket `name`; `unsupported` maps a feature the
    endpoint lacks to the reason, and such an aspect costs no request."""
    out: dict[str, Aspect] = {}
    location = fetch(
        lambda: s3.get_bucket_location(Bucket=name),
        lambda r: normalise_location(r.get("LocationConstraint"), provider, endpoint_region),
        frozenset({"NoSuchBucket"}),
    )
    out["location"] = location
    if location.state is AspectState.missing:
        return out
    for aspect in aspects:
        if aspect == "location":
            continue
        read = READS[aspect]
        if read.feature is not None and read.feature in unsupported:
            out[aspect] = Aspect.unsupported(unsupported[read.feature])
            continue
        method = getattr(s3, read.operation)
        out[aspect] = fetch(lambda m=method: m(Bucket=name), read.parse, read.missing)  # type: ignore[misc]
    return out
