"""Collect one S3 target per run: every configuration aspect read once per bucket, shared by
every control. Buckets are read concurrently by a small pool of daemon threads sharing one session's
clients; the account-level reads run alongside. Every request is bounded in time (the
collection's deadline) and every answer in size (`runtime.max_response_mb`), see `limits`.

Order: tenant buckets (listed, or discovered by prefix) → the buckets they point to (log
targets, replica destinations) and the KMS keys their encryption names → done. Failures are
kept per aspect (see `snapshot.AspectState`); only when *nothing* could be read because the
endpoint is unreachable, throttling or failing does the collection raise `TransientError`, so
the scheduler retries the whole target with backoff.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from controlplane.daemon_pool import DaemonPool
from controlplane.errors import TransientError
from controlplane.plugin_types import CollectContext
from hds_s3.client import WORKERS, TargetClients, fetch
from hds_s3.collect_account import read_account, read_key
from hds_s3.collect_bucket import read_bucket
from hds_s3.limits import collection_budget
from hds_s3.providers import allowed_regions, unsupported_apis, unsupported_reason
from hds_s3.snapshot import NOT_COLLECTED, Aspect, AspectState, BucketSnapshot, S3Snapshot
from hds_s3.target import BucketSpec, S3Target

DEADLINE_SHARE = 0.9
"""Requests stop at this share of the collection budget: the collector then reports what it read
and why the rest is missing, before the scheduler would abandon it with nothing."""


def collect_s3(target: S3Target, ctx: CollectContext) -> S3Snapshot:
    with collection_budget(ctx.timeout_s * DEADLINE_SHARE, ctx.max_response_bytes):
        return _collect(target, ctx)


def _collect(target: S3Target, ctx: CollectContext) -> S3Snapshot:
    collected_at = datetime.now(UTC)
    unsupported = {api: unsupported_reason(target, api) for api in sorted(unsupported_apis(target))}
    clients = TargetClients(target, ctx.timeout_s)
    s3 = clients("s3")

    def bucket(spec: BucketSpec) -> BucketSnapshot:
        aspects = read_bucket(s3, spec.name, target.provider, target.region, unsupported)
        return BucketSnapshot(spec.name, spec.roles, spec.require_kms, **aspects)

    def related_bucket(name: str, wanted: set[str]) -> BucketSnapshot:
        aspects = read_bucket(s3, name, target.provider, target.region, unsupported, wanted)
        return BucketSnapshot(name, (), False, **aspects)

    # Daemon threads, never joined: a worker stuck on an endpoint cannot keep the process alive.
    with DaemonPool(WORKERS, name=f"hds-s3-{target.name}") as pool:
        account_future = pool.submit(read_account, clients, unsupported, ctx.timeout_s / 2)
        listing, specs = _tenant_buckets(s3, target)
        buckets = tuple(pool.map(bucket, specs))
        tenant_names = {b.name for b in buckets}
        needs = {name: aspects for name, aspects in _related_needs(buckets).items() if name not in tenant_names}
        related = {b.name: b for b in pool.map(related_bucket, needs, needs.values())}
        refs = _key_refs(buckets, target.region)
        keys = {k.ref: k for k in pool.map(lambda ref: read_key(clients, ref, refs[ref], unsupported), refs)}
        account = account_future.result()

    regions, source = allowed_regions(target)
    traces = NOT_COLLECTED
    if target.trace_logs is not None:
        from hds_s3.traces import trace_inventory, trace_locations

        logging = [b.logging.value for b in buckets if b.has_role("data", "critical") and b.logging.ok]
        retention = int(ctx.tenant.contract.get("log_retention_days", 365))
        traces = Aspect.of(trace_inventory(s3, trace_locations(target, logging), collected_at, retention))
    snapshot = S3Snapshot(
        target=target.name,
        provider=target.provider,
        endpoint=target.endpoint_url or f"AWS ({target.region})",
        region=target.region,
        collected_at=collected_at,
        allowed_regions=regions,
        allowed_regions_source=source,
        listing=listing,
        discover_prefix=target.discover.prefix if target.discover else None,
        buckets=buckets,
        related=related,
        kms_keys=keys,
        account=account,
        traces=traces,
    )
    _raise_if_unreachable(snapshot)
    return snapshot


def _list_bucket_names(s3: Any) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, str] = {}
    while True:
        page = s3.list_buckets(**kwargs)
        names.extend(b["Name"] for b in page.get("Buckets", []))
        token = page.get("ContinuationToken")
        if not token:
            return names
        kwargs = {"ContinuationToken": token}


def _tenant_buckets(s3: Any, target: S3Target) -> tuple[Aspect, list[BucketSpec]]:
    """Declared buckets, then discovered ones (a declared entry keeps its roles)."""
    specs = list(target.buckets)
    if target.discover is None:
        return Aspect.of(None), specs
    found = target.discover
    prefix = found.prefix
    listing = fetch(lambda: _list_bucket_names(s3), lambda names: sorted(n for n in names if n.startswith(prefix)))
    if listing.ok:
        declared = {b.name for b in specs}
        for name in listing.value:
            if name not in declared:
                specs.append(BucketSpec(name=name, roles=found.roles, require_kms=found.require_kms))
    return listing, specs


def _related_needs(buckets: tuple[BucketSnapshot, ...]) -> dict[str, set[str]]:
    """Aspects to read from buckets the tenant's point to; the location is always read."""
    needs: dict[str, set[str]] = {}
    for b in buckets:
        if b.logging.ok and b.logging.value.get("TargetBucket"):
            needs.setdefault(b.logging.value["TargetBucket"], set()).update({"lifecycle", "versioning"})
        for destination in b.replica_buckets():
            needs.setdefault(destination, set())
    return needs


def _key_refs(buckets: tuple[BucketSnapshot, ...], default_region: str) -> dict[str, str]:
    """Each referenced key once, with the region to resolve it in (its bucket's)."""
    refs: dict[str, str] = {}
    for b in buckets:
        region = b.location.value if b.location.ok else default_region
        for ref in b.kms_key_refs():
            refs.setdefault(ref, region)
    return refs


def _outcomes(snapshot: S3Snapshot) -> Iterator[Aspect]:
    if snapshot.discover_prefix is not None:
        yield snapshot.listing
    for b in (*snapshot.buckets, *snapshot.related.values()):
        for f in dataclasses.fields(b):
            value = getattr(b, f.name)
            if isinstance(value, Aspect) and value is not NOT_COLLECTED:
                yield value
    account = snapshot.account
    yield from (account.account_id, account.public_access_block, account.trails, account.credential_report)
    yield from account.trail_status.values()
    for key in snapshot.kms_keys.values():
        yield from (key.metadata, key.rotation)


def _raise_if_unreachable(snapshot: S3Snapshot) -> None:
    """Nothing read and every failure transient: the endpoint is down or throttling us. Let the
    scheduler retry the target rather than report a wall of per-aspect errors."""
    observed = [a for a in _outcomes(snapshot) if a.state is not AspectState.unsupported]
    if observed and all(a.state is AspectState.error and a.transient for a in observed):
        raise TransientError(f"no answer from {snapshot.endpoint}: {observed[0].reason}")


__all__ = ["collect_s3"]
