"""The backup bucket through the S3 plugin's client (`hds_s3.client`): list a set's objects,
find its newest artefact and manifest, read object headers, and probe immutability.

One code path for credentials, endpoints, timeouts and error classification: a backup target's
storage is turned into an `S3Target` and handed to `TargetClients`, exactly as an `s3` target.
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime
from typing import Any

from hds_backup.manifest import MAX_MANIFEST_BYTES, BackupManifest, ManifestError, is_manifest_key, manifest_key
from hds_backup.scratch import new_name
from hds_backup.snapshot import ProbeOutcome, StoredObject
from hds_s3.api import Aspect, classify, fetch

PROBE_BODY = b"hds-controlplane immutability probe: deleting this version must be refused\n"


def list_set(s3: Any, bucket: str, prefix: str, exclude_prefix: str) -> tuple[Aspect, list[dict[str, Any]]]:
    """Every current object under `prefix` (Key, Size, LastModified), paginated."""
    objects: list[dict[str, Any]] = []

    def call() -> None:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if exclude_prefix and item["Key"].startswith(exclude_prefix):
                    continue
                objects.append(
                    {"Key": item["Key"], "Size": int(item.get("Size", 0)), "LastModified": item["LastModified"]}
                )

    outcome = fetch(call, lambda _: len(objects), frozenset({"NoSuchBucket"}))
    return outcome, objects


def newest_pair(objects: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The newest artefact (by LastModified, then key) and its manifest object if present."""
    manifests = {o["Key"]: o for o in objects if is_manifest_key(o["Key"])}
    artefacts = [o for o in objects if not is_manifest_key(o["Key"]) and not o["Key"].endswith("/")]
    if not artefacts:
        return None, None
    newest = max(artefacts, key=lambda o: (o["LastModified"], o["Key"]))
    return newest, manifests.get(manifest_key(newest["Key"]))


def head_every(
    s3: Any, bucket: str, objects: list[dict[str, Any]], known: dict[str, StoredObject], until: float
) -> tuple[tuple[StoredObject, ...], tuple[str, ...]]:
    """HeadObject of every listed object, newest first, reusing those already read (`known`),
    until the monotonic time `until`; returns (headers, keys left uninspected). A listing carries
    no encryption or retention header: one HEAD per object, once per run, serves BKP-03 and BKP-04."""
    import time

    ordered = sorted(
        (o for o in objects if not o["Key"].endswith("/")), key=lambda o: (o["LastModified"], o["Key"]), reverse=True
    )
    found: list[StoredObject] = []
    for index, listed in enumerate(ordered):
        if listed["Key"] in known:
            found.append(known[listed["Key"]])
            continue
        if time.monotonic() > until:
            return tuple(found), tuple(o["Key"] for o in ordered[index:] if o["Key"] not in known)
        found.append(head(s3, bucket, listed))
    return tuple(found), ()


def head(s3: Any, bucket: str, listed: dict[str, Any]) -> StoredObject:
    """HeadObject of the current version: encryption, retention, version id."""
    key = listed["Key"]
    base = StoredObject(key, listed["Size"], _utc(listed["LastModified"]))
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = s3.head_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        return StoredObject(base.key, base.size, base.last_modified, head_error=classify(exc).reason)
    until = answer.get("ObjectLockRetainUntilDate")
    return StoredObject(
        key,
        int(answer.get("ContentLength", base.size)),
        _utc(answer.get("LastModified", base.last_modified)),
        version_id=answer.get("VersionId") if answer.get("VersionId") not in (None, "null") else None,
        sse=answer.get("ServerSideEncryption"),
        sse_kms_key=answer.get("SSEKMSKeyId"),
        lock_mode=answer.get("ObjectLockMode"),
        lock_until=_utc(until) if until else None,
    )


def read_manifest(s3: Any, bucket: str, obj: StoredObject) -> tuple[BackupManifest | None, str]:
    """The manifest beside `artefact`, parsed, or why it cannot be used."""
    from botocore.exceptions import BotoCoreError, ClientError

    where = f"s3://{bucket}/{obj.key}"
    if obj.size > MAX_MANIFEST_BYTES:
        return None, f"{where}: larger than {MAX_MANIFEST_BYTES} bytes"
    try:
        raw = get_body(s3, bucket, obj).read(MAX_MANIFEST_BYTES + 1)
    except (ClientError, BotoCoreError) as exc:
        return None, f"{where}: cannot read: {classify(exc).reason}"
    try:
        manifest = BackupManifest.loads(raw, where)
    except ManifestError as exc:
        return None, str(exc)
    return manifest, ""


def get_body(s3: Any, bucket: str, obj: StoredObject) -> Any:
    """The object's content stream, pinned to the version that was inspected."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": obj.key}
    if obj.version_id:
        kwargs["VersionId"] = obj.version_id
    return s3.get_object(**kwargs)["Body"]


def probe_immutability(s3: Any, bucket: str, prefix: str) -> ProbeOutcome:
    """Write a tiny object, then try to delete that exact version: a protected bucket refuses.
    A refused probe stays until its retention ends (a few dozen bytes); an accepted one is gone."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = posixpath.join(prefix, f"probe-{new_name()}") if prefix else f"probe-{new_name()}"
    try:
        put = s3.put_object(Bucket=bucket, Key=key, Body=PROBE_BODY, ContentType="text/plain")
    except (ClientError, BotoCoreError) as exc:
        return ProbeOutcome(None, f"cannot write the probe object: {classify(exc).reason}", key)
    version = put.get("VersionId")
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version and version != "null":
        kwargs["VersionId"] = version
    try:
        s3.delete_object(**kwargs)
    except ClientError as exc:
        outcome = classify(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403 or outcome.state.value == "denied":
            return ProbeOutcome(True, f"deleting probe version {version} was refused ({outcome.reason})", key)
        return ProbeOutcome(None, f"deleting the probe failed unexpectedly: {outcome.reason}", key)
    except BotoCoreError as exc:
        return ProbeOutcome(None, f"deleting the probe failed unexpectedly: {classify(exc).reason}", key)
    if "VersionId" not in kwargs:
        return ProbeOutcome(False, "the bucket is not versioned: the probe object was deleted outright", key)
    return ProbeOutcome(False, f"probe version {version} was deleted: nothing stops deleting a backup", key)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)
