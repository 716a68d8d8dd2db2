"""Collect one backup target per run: the bucket's protection (location, versioning, Object
Lock), each set's newest artefact and manifest, the optional immutability probe, then the restore
test of each set, within the collection budget (`ctx.timeout_s`: size `runtime.collect_timeout_s`
for the largest restore, which is also what the RTO asks of the host).

Only when no set could even be listed because the endpoint is unreachable, throttling or failing
does the collection raise `TransientError` (retried by the scheduler, before any restore ran).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from controlplane.errors import TransientError
from controlplane.plugin_types import CollectContext
from hds_backup.restore import restore_test
from hds_backup.snapshot import BackupSnapshot, RestoreOutcome, SetSnapshot
from hds_backup.storage import (
    get_body,
    head,
    head_every,
    list_set,
    newest_pair,
    now,
    probe_immutability,
    read_manifest,
)
from hds_backup.target import BackupSet, BackupTarget
from hds_s3.api import (
    Aspect,
    AspectState,
    TargetClients,
    allowed_regions,
    read_bucket,
    unsupported_apis,
    unsupported_reason,
)

BUDGET_SHARE = 0.9
"""Restores stop at this share of the collection budget, leaving time to clean up."""
HEAD_SHARE = 0.2
"""Reading every stored object's headers stops at this share of the budget (restores need the rest)."""


def endpoint_host(endpoint_url: str | None, region: str) -> str:
    return urlsplit(endpoint_url).netloc if endpoint_url else f"AWS ({region})"


def collect_backup(target: BackupTarget, ctx: CollectContext) -> BackupSnapshot:
    started = time.monotonic()
    deadline = started + max(1.0, ctx.timeout_s * BUDGET_SHARE)
    collected_at = now()
    storage = target.storage
    s3_target = storage.s3_target(target.name)
    unsupported = {api: unsupported_reason(s3_target, api) for api in sorted(unsupported_apis(s3_target))}
    s3 = TargetClients(s3_target, ctx.timeout_s)("s3")
    aspects = read_bucket(
        s3, storage.bucket, storage.provider, storage.region, unsupported, ("location", "versioning", "object_lock")
    )
    location = aspects["location"]
    heads_until = started + ctx.timeout_s * HEAD_SHARE
    sets = [_read_set(s3, target, spec, location, heads_until) for spec in target.sets]
    if all(s.listing.state is AspectState.error and s.listing.transient for s in sets):
        raise TransientError(f"backup bucket {storage.bucket!r} unreachable: {sets[0].listing.reason}")
    probe = None
    if target.immutability_probe and location.ok:
        probe = probe_immutability(s3, storage.bucket, target.probe_prefix)
    tested = []
    for spec, found in zip(target.sets, sets, strict=True):
        label = f"{ctx.tenant.id}/{target.name}/{spec.name}"
        tested.append(_with_restore(s3, storage.bucket, spec, found, deadline, label))
    regions, source = allowed_regions(s3_target)
    protected = target.protected_site
    return BackupSnapshot(
        target=target.name,
        provider=storage.provider,
        bucket=storage.bucket,
        endpoint=endpoint_host(storage.endpoint_url, storage.region),
        collected_at=collected_at,
        location=location,
        versioning=aspects.get("versioning", location),
        object_lock=aspects.get("object_lock", location),
        allowed_regions=regions,
        allowed_regions_source=source,
        protected_site=protected.model_dump(exclude_none=True),
        protected_endpoint=urlsplit(protected.endpoint_url).netloc if protected.endpoint_url else "",
        sets=tuple(tested),
        probe=probe,
    )


def _read_set(s3: Any, target: BackupTarget, spec: BackupSet, location: Aspect, heads_until: float) -> SetSnapshot:
    if not location.ok:
        return SetSnapshot(spec.name, spec.prefix, spec.format, location)
    bucket = target.storage.bucket
    listing, objects = list_set(s3, bucket, spec.prefix, target.probe_prefix)
    if not listing.ok:
        return SetSnapshot(spec.name, spec.prefix, spec.format, listing)
    newest_listed, manifest_listed = newest_pair(objects)
    if newest_listed is None:
        return SetSnapshot(spec.name, spec.prefix, spec.format, listing)
    newest = head(s3, bucket, newest_listed)
    known = {newest.key: newest}
    manifest_object = manifest = None
    if manifest_listed is None:
        problem = f"no manifest beside the backup (expected {newest.key}.manifest.json)"
    else:
        manifest_object = known[manifest_listed["Key"]] = head(s3, bucket, manifest_listed)
        manifest, problem = read_manifest(s3, bucket, manifest_object)
        if manifest is not None and manifest.artefact.format != spec.format:
            problem = f"the manifest describes a {manifest.artefact.format} artefact, the set is declared {spec.format}"
            manifest = None
    stored, not_inspected = head_every(s3, bucket, objects, known, heads_until)
    return SetSnapshot(
        spec.name,
        spec.prefix,
        spec.format,
        listing,
        newest,
        manifest_object,
        manifest,
        problem,
        stored=stored,
        not_inspected=not_inspected,
    )


def _with_restore(
    s3: Any, bucket: str, spec: BackupSet, found: SetSnapshot, deadline: float, label: str
) -> SetSnapshot:
    if not found.listing.ok:
        return found
    if found.newest is None:
        outcome = RestoreOutcome("no_backup", f"no backup found under {spec.prefix!r}")
    elif not spec.restore.enabled:
        outcome = RestoreOutcome("disabled", "the restore test of this backup set is disabled (restore.enabled: false)")
    elif found.manifest is None:
        outcome = RestoreOutcome("failed", f"cannot verify the backup: {found.manifest_problem}")
    elif time.monotonic() >= deadline:
        outcome = RestoreOutcome("timeout", "no time left in the collection budget for this restore test")
    else:
        newest = found.newest
        outcome = restore_test(lambda: get_body(s3, bucket, newest), spec, found.manifest, deadline, label)
    return SetSnapshot(
        found.name,
        found.prefix,
        found.format,
        found.listing,
        found.newest,
        found.manifest_object,
        found.manifest,
        found.manifest_problem,
        outcome,
        found.stored,
        found.not_inspected,
    )
