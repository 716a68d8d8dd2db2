"""Reports read real swept evidence (two tenants, two runs) and, for hostile or rare contents
(markup, formulas, errors, not-applicable results), evidence written through the store API."""

from __future__ import annotations

from pathlib import Path

import pytest

import hds_tls
from controlplane.catalog import Catalog, load_catalog
from controlplane.plugins import build_registry
from controlplane.reports import build_report
from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run
from tests.support.sweeps import SweptFleet, sweep_fleet

HOSTILE = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.test","clic")'


@pytest.fixture(scope="session")
def swept(tmp_path_factory: pytest.TempPathFactory) -> SweptFleet:
    registry = build_registry(load_entrypoints=False, extra_plugins=[("tls", hds_tls)])
    return sweep_fleet(tmp_path_factory.mktemp("swept"), registry)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of tenant `mixte` with every status, markup and a spreadsheet formula in its data."""
    path = tmp_path_factory.mktemp("hostile") / "evidence.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(
        store,
        "run-h",
        [
            result("run-h", "mixte", 0, status=Status.failed, message=HOSTILE, evidence={"banner": HOSTILE}),
            result("run-h", "mixte", 1, control="TLS-02", status=Status.error, message=FORMULA),
            result(
                "run-h",
                "mixte",
                2,
                control="TLS-03",
                status=Status.not_applicable,
                message="no tls target",
                target="",
                resource="",
                evidence={},
            ),
            result("run-h", "mixte", 3, control="TLS-04", status=Status.passed, message="-42 days margin"),
        ],
    )
    store.close()
    return path


@pytest.fixture
def report_of(catalog: Catalog):
    """build_report on a store file, store closed afterwards."""

    def make(path: Path, tenant: str, **kw):
        store = EvidenceStore.open(str(path), create=False)
        try:
            return build_report(store, catalog, tenant, **kw)
        finally:
            store.close()

    return make
