"""What of a tenant remains in one bucket (under a prefix): the bucket itself, every object version,
every delete marker, with the Object Lock retain-until date of versions that cannot be destroyed
yet. Read-only: ListObjectVersions, and a HeadObject per version only on a bucket with Object Lock
enabled. Public through `api` (hds_backup checks its backup artefacts with it).

Bounded: at most `limit` remains are listed one by one (the rest are counted), nothing is sent
after `deadline` (the check then says it could not finish: never "destroyed").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from controlplane.reversibility.model import Remain
from hds_s3.client import classify

GONE_CODES = frozenset({"NoSuchBucket", "404", "NotFound"})
DEFAULT_LIMIT = 10_000


@dataclass
class BucketRemains:
    bucket: str
    exists: bool | None = None
    """None: could not tell (see `error`)."""
    remains: list[Remain] = field(default_factory=list)
    uncounted: int = 0
    """Remains found past the listing limit (counted, not listed)."""
    error: str = ""


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


def bucket_remains(
    s3: Any,
    bucket: str,
    *,
    prefix: str = "",
    version_kind: str = "object-version",
    bucket_kind: str | None = "bucket",
    deadline: float,
    limit: int = DEFAULT_LIMIT,
) -> BucketRemains:
    """The bucket (as `bucket_kind`, None: not a remain by itself, e.g. a shared backup bucket) and
    its versions and delete markers under `prefix` (as `version_kind` / `delete-marker`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = BucketRemains(bucket)
    try:
        s3.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as exc:
        if isinstance(exc, ClientError) and _code(exc) in GONE_CODES:
            out.exists = False
            return out
        out.error = f"cannot tell whether bucket {bucket} remains: {classify(exc).reason}"
        return out
    out.exists = True
    if bucket_kind:
        out.remains.append(Remain(bucket_kind, bucket, "the bucket still exists"))
    try:
        locked = _lock_enabled(s3, bucket)
        paginator = s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for v in page.get("Versions", []):
                if time.monotonic() > deadline:
                    out.error = f"bucket {bucket}: the check's time budget was spent before every version was read"
                    return out
                if len(out.remains) >= limit:
                    out.uncounted += 1
                    continue
                until = _retain_until(s3, bucket, v) if locked else None
                detail = f"version {v.get('VersionId')}, {v.get('Size', 0)} bytes" + (
                    ", current" if v.get("IsLatest") else ""
                )
                out.remains.append(Remain(version_kind, f"{bucket}/{v['Key']}", detail, until))
            for m in page.get("DeleteMarkers", []):
                if len(out.remains) >= limit:
                    out.uncounted += 1
                    continue
                out.remains.append(Remain("delete-marker", f"{bucket}/{m['Key']}", f"marker {m.get('VersionId')}"))
    except (ClientError, BotoCoreError) as exc:
        out.error = f"cannot list the versions of bucket {bucket}: {classify(exc).reason}"
    return out


def _lock_enabled(s3: Any, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        conf = s3.get_object_lock_configuration(Bucket=bucket)
    except ClientError:
        return False  # no configuration (or not supported): versions are not locked
    return conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"


def _retain_until(s3: Any, bucket: str, version: dict[str, Any]) -> str | None:
    """The retain-until date of a locked version still in force (or "legal hold"), else None. One
    HeadObject of the version carries both (GetObjectRetention would be a second call, and some
    S3-compatible stores answer it badly for default retention)."""
    from botocore.exceptions import ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=version["Key"], VersionId=version.get("VersionId"))
    except ClientError:
        return None
    until = head.get("ObjectLockRetainUntilDate")
    hold = head.get("ObjectLockLegalHoldStatus") == "ON"
    if isinstance(until, datetime) and until > datetime.now(UTC):
        return until.astimezone(UTC).isoformat(timespec="seconds") + (" (and legal hold)" if hold else "")
    return "legal hold" if hold else None
