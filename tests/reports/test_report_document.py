"""The report document (the JSON API every format renders from): latest run by default, the six
HDS activities, the Annex A applicability table, findings with remediation, and the trend."""

from __future__ import annotations

import json

import pytest

from controlplane.errors import InputError
from controlplane.reports import REPORT_FORMAT, TenantInfo, render
from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run
from tests.support.sweeps import ALPHA, ALPHA_NAME


@pytest.fixture
def alpha(swept, report_of):
    return report_of(swept.store_path, ALPHA, info=TenantInfo(ALPHA_NAME, (3, 4, 5, 6)))


def test_the_default_run_is_the_tenants_latest_and_the_previous_one_is_named(swept, alpha):
    assert alpha["format"] == REPORT_FORMAT
    assert alpha["run"]["run_id"] == swept.runs[1]
    assert alpha["previous_run"]["run_id"] == swept.runs[0]
    assert alpha["tenant"] == {"id": ALPHA, "name": ALPHA_NAME, "activities": [3, 4, 5, 6]}
    assert alpha["summary"]["counts"] == {"pass": 3, "fail": 2, "error": 0, "not_applicable": 0}
    assert alpha["summary"]["compliance_rate"] == 0.6


def test_trend_against_the_previous_run(alpha):
    trend = {k: [(i["control"], i["status_before"], i["status_now"]) for i in v] for k, v in alpha["trend"].items()}
    assert trend == {
        "new_failures": [("TLS-04", "pass", "fail")],
        "fixed": [("TLS-03", "fail", "pass")],
        "still_failing": [("TLS-01", "fail", "fail")],
        "unverified": [],
    }


def test_the_first_run_has_no_trend(swept, report_of):
    first = report_of(swept.store_path, ALPHA, run_id=swept.runs[0])
    assert first["previous_run"] is None and first["trend"] is None


def test_the_six_activities_matrix(alpha):
    rows = {a["number"]: a for a in alpha["activities"]}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert [rows[n]["contracted"] for n in range(1, 7)] == [False, False, True, True, True, True]
    for n in (3, 4, 5):
        assert rows[n]["controls"] == ["TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05"]
        assert rows[n]["counts"] == {"pass": 3, "fail": 2, "error": 0, "not_applicable": 0}
    assert rows[6]["controls"] == [] and rows[1]["counts"]["fail"] == 0


def test_without_the_fleet_file_contracted_activities_are_inferred(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    assert [a["contracted"] for a in report["activities"]] == [None, None, True, True, True, None]
    assert report["tenant"]["name"] == ALPHA


def test_annex_a_statement_of_applicability(alpha):
    rows = {r["id"]: r for r in alpha["iso27001"]}
    assert len(rows) == 93
    anchors = {f["control"]: f["anchor"] for f in alpha["findings"]}
    assert rows["A.8.24"]["applicable"] == "yes"
    assert rows["A.8.24"]["status"] == "non_compliant"
    assert set(rows["A.8.24"]["findings"]) == set(anchors.values())
    assert rows["A.8.20"]["status"] == "non_compliant" and rows["A.8.20"]["findings"] == [anchors["TLS-01"]]
    assert rows["A.5.3"]["status"] == "not_covered" and rows["A.5.3"]["findings"] == []
    assert rows["A.7.1"]["status"] == "not_applicable"  # PHY-01 is activity 1, not contracted


def test_findings_carry_evidence_remediation_and_timestamp(alpha, catalog):
    tls04 = next(f for f in alpha["findings"] if f["control"] == "TLS-04")
    assert tls04["status"] == "fail"
    assert tls04["remediation"] == catalog.controls["TLS-04"].remediation.fr
    assert tls04["evidence"]["min_days_before_expiry"] == 30
    assert tls04["started_at"].endswith("+00:00")
    assert len(tls04["record_hash"]) == 64


def test_english_text_on_request(swept, report_of, catalog):
    report = report_of(swept.store_path, ALPHA, lang="en")
    tls01 = next(f for f in report["findings"] if f["control"] == "TLS-01")
    assert tls01["title"] == catalog.controls["TLS-01"].title.en


def test_integrity_is_reported(swept, alpha):
    assert alpha["integrity"] == {
        "verdict": "sealed",
        "chain_ok": True,
        "records_checked": 10,
        "sealed": True,
        "seal_key_id": swept.key_id,
        "sealed_at": alpha["integrity"]["sealed_at"],
        "problems": [],
    }


def test_json_format_is_the_document(alpha):
    assert json.loads(render(alpha, "json")) == alpha


def test_unknown_tenant_or_foreign_run_is_bad_input(swept, report_of):
    with pytest.raises(InputError, match="no run covers tenant 'inconnu'"):
        report_of(swept.store_path, "inconnu")
    with pytest.raises(InputError, match="no run 'nope'"):
        report_of(swept.store_path, ALPHA, run_id="nope")


def test_trend_compares_with_the_previous_completed_run(tmp_path, report_of):
    path = tmp_path / "ev.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(store, "r1", [result("r1", "t", 0, status=Status.failed)])
    write_run(store, "r2", [result("r2", "t", 0, status=Status.passed)], status="interrupted")
    write_run(store, "r3", [result("r3", "t", 0, status=Status.failed)])
    store.close()
    report = report_of(path, "t")
    assert report["previous_run"]["run_id"] == "r1"
    assert [i["control"] for i in report["trend"]["still_failing"]] == ["TLS-01"]
    assert report["trend"]["new_failures"] == [] and report["trend"]["fixed"] == []
