"""The `kubernetes` target kind's collector: one cluster listing shared by its tenants.

`collect_kubernetes` runs once per (tenant, target). It names the cluster (`ClusterIdentity`),
takes its snapshot from the process-wide `SNAPSHOT_CACHE` (listing it only if no fresh one is
there) and returns the tenant's `TenantScope` of it: the checks never see the whole cluster.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB, max_response_bytes
from controlplane.plugin_types import CollectContext
from hds_kubernetes import source_api, source_dump
from hds_kubernetes.cache import SnapshotCache
from hds_kubernetes.scope import TenantScope, tenant_scope
from hds_kubernetes.snapshot import ClusterIdentity, ClusterSnapshot
from hds_kubernetes.target import KubernetesTarget

SNAPSHOT_CACHE = SnapshotCache()


def cluster_identity(target: KubernetesTarget) -> ClusterIdentity:
    if target.source == "dump":
        return source_dump.dump_identity(target)
    if target.source == "kubeconfig":
        return source_api.kubeconfig_identity(target)
    return source_api.in_cluster_identity()


def read_cluster(
    target: KubernetesTarget,
    identity: ClusterIdentity,
    timeout_s: float,
    max_bytes: int = max_response_bytes(DEFAULT_MAX_RESPONSE_MB),
) -> ClusterSnapshot:
    """List the cluster now, from the API or from the dump (no cache); no answer or dump file
    larger than `max_bytes` is read."""
    if target.source == "dump":
        return source_dump.read_dump(Path(identity.location), identity, max_bytes)
    client = (
        source_api.open_kubeconfig_client(target)
        if target.source == "kubeconfig"
        else source_api.open_in_cluster_client()
    )
    return source_api.list_cluster(client, identity, timeout_s, max_bytes)


def collect_kubernetes(target: KubernetesTarget, ctx: CollectContext) -> TenantScope:
    identity = cluster_identity(target)
    # Wait a little less than the scheduler's budget for another tenant's listing, so a slow
    # listing becomes a retryable error here rather than an abandoned collection.
    snapshot = SNAPSHOT_CACHE.get(
        identity, lambda: read_cluster(target, identity, ctx.timeout_s, ctx.max_response_bytes), ctx.timeout_s * 0.9
    )
    scope = tenant_scope(snapshot, target)
    if target.trace_logs is None:
        return scope
    return dataclasses.replace(scope, traces=_trace_summary(target, ctx))


def _trace_summary(target: KubernetesTarget, ctx: CollectContext) -> dict[str, object]:
    """When the audit files were last written (file times; no log content is read)."""
    from controlplane.traces.coverage import summarise
    from controlplane.traces.files import mtimes

    assert target.trace_logs is not None
    patterns = target.trace_logs.audit_files
    retention = int(ctx.tenant.contract.get("log_retention_days", 365))
    problems: list[str] = []
    try:
        stamps = mtimes(patterns)
    except (OSError, RuntimeError) as exc:
        stamps, problems = [], [str(exc)]
    return summarise(stamps, datetime.now(UTC), retention, list(patterns), problems)
