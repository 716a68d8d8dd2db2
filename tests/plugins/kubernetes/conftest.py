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
from hds_kubernetes.demo.local_apiserver import LocalApiServer
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


@pytest.fixture
def evaluate_both(catalog: Catalog, tmp_path: Path) -> Callable[..., tuple[list[Finding], list[Finding]]]:
    """Run one check on `objects` read both ways: as an offline `kubectl get -o json` dump
    (one file per kind) and through the official client from the local API server. Returns
    (dump findings, API findings), with where/when observed left out of the evidence."""
    from controlplane.plugin_types import CollectContext, TenantView
    from hds_kubernetes.collect import collect_kubernetes
    from hds_kubernetes.source_dump import write_dump
    from hds_kubernetes.target import KubernetesTarget

    def run(
        objects: list[Obj],
        check: Callable[[TenantScope, CheckContext], list[Finding]],
        namespaces: list[str] | None = None,
        params: dict[str, Any] | None = None,
        **fields: Any,
    ) -> tuple[list[Finding], list[Finding]]:
        common = {
            "name": "cluster",
            "namespaces": namespaces or ["alpha-prod"],
            "platform_namespaces": ["ingress-nginx"],
            "encrypted_storage_classes": ["encrypted-ssd"],
            **fields,
        }
        ctx = CollectContext(TenantView("alpha", "Alpha", (3, 4), {}), "cluster", 10.0)
        check_id = f"kubernetes.{check.__name__}"
        out = []
        dump = write_dump(tmp_path / f"dump-{len(list(tmp_path.iterdir()))}", objects)
        with LocalApiServer(objects) as server:
            kubeconfig = server.write_kubeconfig(tmp_path / f"kubeconfig-{server.port}")
            for source in ({"dump_dir": str(dump)}, {"kubeconfig": str(kubeconfig)}):
                target = KubernetesTarget.model_validate({**common, **source})
                SNAPSHOT_CACHE.clear()
                scope = collect_kubernetes(target, ctx)
                findings = list(check(scope, check_context(catalog, check_id, target, **(params or {}))))
                out.append([_without_observation(f) for f in findings])
        return out[0], out[1]

    return run


def _without_observation(f: Finding) -> Finding:
    evidence = {k: v for k, v in f.evidence.items() if k not in ("cluster", "observed_at")}
    return Finding(f.status, f.message, f.resource, evidence)
