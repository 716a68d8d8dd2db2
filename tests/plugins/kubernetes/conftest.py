"""Fixtures for the Kubernetes plugin: clusters built from API-shaped manifests, served by a
real local API server to the official client, or evaluated straight from a snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controlplane.catalog import Catalog, load_catalog
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding
from hds_kubernetes.collect import SNAPSHOT_CACHE
from hds_kubernetes.local_apiserver import LocalApiServer
from hds_kubernetes.scope import TenantScope, tenant_scope
from tests.plugins.kubernetes.clusters import Obj, check_context, dump_target, shared_cluster, snapshot_of


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test lists its clusters itself: the process-wide cache starts empty."""
    SNAPSHOT_CACHE.clear()
    yield
    SNAPSHOT_CACHE.clear()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


Evaluate = Callable[..., list[Finding]]


@pytest.fixture
def evaluate(catalog: Catalog) -> Evaluate:
    """evaluate(objects, check_function, namespaces=[...], params={...}, unavailable={...}, **target fields)."""

    def run(
        objects: Iterable[Obj],
        check: Callable[[TenantScope, CheckContext], list[Finding]],
        namespaces: list[str] | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        unavailable: dict[str, str] | None = None,
        **fields: Any,
    ) -> list[Finding]:
        target = dump_target(namespaces or ["alpha-prod"], **fields)
        scope = tenant_scope(snapshot_of(objects, unavailable), target)
        check_id = f"kubernetes.{check.__name__}"
        return list(check(scope, check_context(catalog, check_id, target, **(params or {}))))

    return run


@pytest.fixture
def apiserver(tmp_path: Path) -> Iterator[LocalApiServer]:
    """The shared two-tenant cluster behind a local API server (plain HTTP)."""
    with LocalApiServer(shared_cluster()) as server:
        yield server


@pytest.fixture
def kubeconfig(apiserver: LocalApiServer, tmp_path: Path) -> Path:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig")
