"""JUnit XML for CI (one testcase per result, failures and errors mapped) and CSV for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from controlplane.reports import render
from tests.reports.conftest import FORMULA, HOSTILE
from tests.support.sweeps import ALPHA


def test_junit_has_one_testcase_per_result(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    root = ET.fromstring(render(report, "junit").encode())
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 5
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "2", "0")
    failed = {c.get("classname").rsplit(".", 1)[1] for c in cases if c.find("failure") is not None}
    assert failed == {"TLS-01", "TLS-04"}
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["run_id"] == swept.runs[1]


def test_junit_maps_errors_and_not_applicable(hostile_store, report_of):
    root = ET.fromstring(render(report_of(hostile_store, "mixte"), "junit").encode())
    by_control = {c.get("classname").rsplit(".", 1)[1]: c for c in root.iter("testcase")}
    assert by_control["TLS-01"].find("failure").get("message") == HOSTILE
    assert by_control["TLS-02"].find("error") is not None
    assert by_control["TLS-03"].find("skipped") is not None
    assert list(by_control["TLS-04"]) == [by_control["TLS-04"].find("system-out")]
    assert root.get("skipped") == "1" and root.get("errors") == "1"


def test_csv_has_one_row_per_result_and_reads_back(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    text = render(report, "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 5
    tls04 = next(r for r in rows if r["control"] == "TLS-04")
    assert tls04["status"] == "fail" and tls04["hds_activities"] == "3;4;5"
    assert json.loads(tls04["evidence"])["min_days_before_expiry"] == 30
    assert tls04["remediation"].startswith("Renouveler")


def test_csv_defuses_spreadsheet_formulas(hostile_store, report_of):
    rows = list(csv.DictReader(io.StringIO(render(report_of(hostile_store, "mixte"), "csv").lstrip("\ufeff"))))
    messages = {r["control"]: r["message"] for r in rows}
    assert messages["TLS-02"] == "'" + FORMULA
    assert messages["TLS-04"] == "'-42 days margin"
    assert messages["TLS-01"] == HOSTILE
