"""A tenant's report names the shared groups serving it, and only those: with two pools over
three tenants, each report shows its own pools, the tenant served by none shows none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from controlplane.reports import build_report
from controlplane.reports.fleet import build_fleet_report
from controlplane.reports.html import render_html
from controlplane.runner import execute, load_environment, prepare
from controlplane.store import EvidenceStore
from tests.platform.pool import POOL, POOL_TARGETS, SERVED, UNSERVED, pool_fleet

OTHER_POOL = "cluster-lyon-2"


@pytest.fixture
def reported(tmp_path: Path, rel_registry):
    """pool-paris-1 serves alpha and beta; cluster-lyon-2 serves beta only; gamma is served by none."""
    config = pool_fleet(tmp_path / "hds.yaml")
    doc = yaml.safe_load(config.read_text())
    doc["platform"].append({"id": OTHER_POOL, "serves": [SERVED[1]], "targets": {"rel": [{"name": "api"}]}})
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    outcome = execute(prepare(config, control_ids=["REL-01", "REL-02"], registry=rel_registry), store)
    _, catalog = load_environment(rel_registry)
    reports = {tid: build_report(store, catalog, tid, outcome.run_id) for tid in (*SERVED, UNSERVED)}
    yield reports | {"fleet": build_fleet_report(store, catalog)}
    store.close()


def test_each_report_lists_only_the_groups_serving_its_tenant(reported):
    alpha, beta, gamma = (reported[t] for t in (*SERVED, UNSERVED))
    assert alpha["platform"] == [
        {
            "id": POOL,
            "targets": [f"{POOL}/{n}" for n in POOL_TARGETS],
            "counts": {"pass": 3, "fail": 3, "error": 0, "not_applicable": 0},
        }
    ]
    assert [g["id"] for g in beta["platform"]] == [OTHER_POOL, POOL]
    assert gamma["platform"] == []


def test_the_html_report_says_shared_platform_with_the_group_id(reported):
    alpha = render_html(reported[SERVED[0]])
    assert alpha.count("Plateforme partagée") == 1 and f"<code>{POOL}</code>" in alpha
    assert OTHER_POOL not in alpha
    assert "Plateforme partagée" not in render_html(reported[UNSERVED])


def test_the_fleet_report_counts_a_shared_failure_for_each_tenant_it_affects(reported):
    heat = {row["tenant"]: row["open_failures"] for row in reported["fleet"]["heatmap"]}
    # REL-02 fails everywhere: own target + 3 pool targets; + cluster-lyon-2's one target for beta
    assert heat == {SERVED[0]: 4, SERVED[1]: 5, UNSERVED: 1}
