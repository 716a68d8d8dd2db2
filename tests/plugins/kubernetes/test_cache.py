"""The process-wide snapshot cache: one listing per cluster, however many tenants collect it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from controlplane.errors import TransientError
from controlplane.plugin_types import CollectContext, TenantView
from hds_kubernetes.cache import SnapshotCache
from hds_kubernetes.collect import SNAPSHOT_CACHE, cluster_identity, collect_kubernetes
from hds_kubernetes.kinds import KINDS
from hds_kubernetes.snapshot import ClusterIdentity
from hds_kubernetes.target import KubernetesTarget
from tests.plugins.kubernetes.clusters import snapshot_of


def ctx(tenant: str) -> CollectContext:
    return CollectContext(TenantView(tenant, tenant, (3, 4), {}), "cluster", 10.0)


def target(kubeconfig, namespace: str, **extra) -> KubernetesTarget:
    return KubernetesTarget.model_validate(
        {"name": "cluster", "kubeconfig": str(kubeconfig), "namespaces": [namespace], **extra}
    )


def test_concurrent_tenants_share_one_listing(apiserver, kubeconfig):
    tenants = [("alpha", "alpha-prod"), ("beta", "beta-prod")] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        scopes = list(pool.map(lambda t: collect_kubernetes(target(kubeconfig, t[1]), ctx(t[0])), tenants))
    assert [s.namespaces[0].name for s in scopes] == [ns for _, ns in tenants]
    assert len(apiserver.list_calls()) == len(KINDS)  # each kind once, for eight collections
    assert SNAPSHOT_CACHE.listings == {cluster_identity(target(kubeconfig, "alpha-prod")): 1}


def test_a_tenant_scope_holds_only_its_own_namespaces(apiserver, kubeconfig):
    scope = collect_kubernetes(target(kubeconfig, "alpha-prod"), ctx("alpha"))
    assert set(scope.contents) == {"alpha-prod"}
    assert all(o.platform_name is None for o in scope.outside)
    assert not hasattr(scope.outside[0], "name")


def test_another_context_is_another_listing(apiserver, kubeconfig, tmp_path):
    other = apiserver.write_kubeconfig(tmp_path / "other-kubeconfig", context="second")
    collect_kubernetes(target(kubeconfig, "alpha-prod"), ctx("alpha"))
    collect_kubernetes(target(other, "beta-prod"), ctx("beta"))
    assert len(apiserver.list_calls("namespaces")) == 2


def test_entries_expire_after_max_age():
    now = [0.0]
    cache = SnapshotCache(max_age_s=300, clock=lambda: now[0])
    identity = ClusterIdentity("dump", "/c")
    listed = []

    def list_cluster():
        listed.append(now[0])
        return snapshot_of([])

    cache.get(identity, list_cluster, 1)
    now[0] = 299.0
    cache.get(identity, list_cluster, 1)
    now[0] = 300.0
    cache.get(identity, list_cluster, 1)
    assert listed == [0.0, 300.0]
    assert cache.listings[identity] == 2


def test_failures_are_not_cached():
    cache = SnapshotCache()
    identity = ClusterIdentity("dump", "/c")
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("API server busy")
        return snapshot_of([])

    with pytest.raises(TransientError):
        cache.get(identity, flaky, 1)
    assert cache.get(identity, flaky, 1).object_count == 0
    assert len(attempts) == 2


def test_waiters_get_the_listers_error():
    cache = SnapshotCache()
    identity = ClusterIdentity("dump", "/c")
    started, release = threading.Event(), threading.Event()

    def failing():
        started.set()
        release.wait(5)
        raise TransientError("boom")

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(cache.get, identity, failing, 5)
        assert started.wait(5)
        second = pool.submit(cache.get, identity, failing, 5)
        release.set()
        for future in (first, second):
            with pytest.raises(TransientError, match="boom"):
                future.result()
    assert cache.listings[identity] == 1


def test_waiting_too_long_is_transient():
    cache = SnapshotCache()
    identity = ClusterIdentity("dump", "/c")
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return snapshot_of([])

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(cache.get, identity, slow, 5)
        assert started.wait(5)
        with pytest.raises(TransientError, match="still being listed for another tenant"):
            cache.get(identity, slow, 0.01)
        release.set()
        assert first.result().object_count == 0
