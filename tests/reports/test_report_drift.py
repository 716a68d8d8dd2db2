"""The report's "Corrigés"/"Nouvelles" lists classify exactly as `hdsctl run` does: a failure seen
before an error run and seen again is still failing, never fixed then new (issue 18, item 1)."""

from __future__ import annotations

from controlplane.catalog import load_catalog
from controlplane.plugins import build_registry
from controlplane.reports.model import build_report
from tests.drift.test_last_observed import BROKEN, FAIL_R1, Fleet
from tests.telemetry import probe_plugin


def test_a_failure_back_after_an_error_run_is_still_failing_in_the_report(tmp_path):
    registry = build_registry(load_entrypoints=False, extra_plugins=[("probe", probe_plugin)])
    fleet = Fleet(tmp_path, registry)
    try:
        fleet.run({"t-a": FAIL_R1})
        fleet.run({"t-a": BROKEN})
        after = fleet.run({"t-a": FAIL_R1})
        catalog = load_catalog(registry.catalog_files)
        trend = build_report(fleet.store, catalog, "t-a", after, lang="en")["trend"]
    finally:
        fleet.store.close()
    assert [(i["control"], i["resource"]) for i in trend["still_failing"]] == [("PRB-01", "r1")]
    assert trend["new_failures"] == [] and trend["fixed"] == []
