"""`hdsctl report --fleet`: the management-review document (JSON API), its CSV and HTML, and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.reports import TenantInfo
from controlplane.reports.fleet import ExpiringItem, build_fleet_report
from controlplane.reports.fleet_render import render_fleet
from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.reports.conftest import FORMULA, HOSTILE
from tests.reports.fleet_fixtures import write_history
from tests.support.fleet import tenant, write_fleet
from tests.support.results import result, write_run


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_history(tmp_path_factory.mktemp("fleet") / "evidence.sqlite")


@pytest.fixture
def fleet_of(catalog):
    def make(path: Path, **kw):
        store = EvidenceStore.open(str(path), create=False)
        try:
            return build_fleet_report(store, catalog, **kw)
        finally:
            store.close()

    return make


def test_the_window_is_the_latest_completed_runs_oldest_first(history, fleet_of):
    doc = fleet_of(history, runs=3)
    assert doc["format"] == "hds-fleet-report/1"
    assert [r["run_id"] for r in doc["runs"]] == ["run-2", "run-3", "run-4"]  # the interrupted run-5 is no state
    assert [r["tenants"] for r in doc["runs"]] == [3, 3, 3]
    assert doc["older_runs_exist"] is True
    assert fleet_of(history, runs=10)["older_runs_exist"] is False


def test_heatmap_counts_each_tenants_latest_run_worst_first(history, fleet_of):
    doc = fleet_of(history, runs=4)
    heat = {h["tenant"]: h for h in doc["heatmap"]}
    assert [h["tenant"] for h in doc["heatmap"]] == ["t-b", "t-a", "t-c"]
    assert heat["t-a"]["run_id"] == "run-4" and heat["t-a"]["open_failures"] == 1
    # S3-04 (activities 3, 4, 6) fails, TLS-01 (3, 4, 5) passes: counted once per activity evidenced
    assert heat["t-a"]["cells"]["3"] == {"pass": 1, "fail": 1, "error": 0, "not_applicable": 0}
    assert heat["t-a"]["cells"]["6"] == {"pass": 0, "fail": 1, "error": 0, "not_applicable": 0}
    assert heat["t-a"]["cells"]["1"] == {"pass": 0, "fail": 0, "error": 0, "not_applicable": 0}
    assert heat["t-b"]["open_failures"] == 2
    assert doc["summary"]["tenants"] == 3 and doc["summary"]["open_failures"] == 4
    assert doc["summary"]["tenants_with_open_failures"] == 3


def test_oldest_open_failures_follow_the_last_observed_state(history, fleet_of):
    doc = fleet_of(history, runs=4)
    oldest = [
        (o["tenant"], o["control"], o["resource"], o["since_run"], o["failing_runs"])
        for o in doc["oldest_open_failures"]
    ]
    assert oldest[0] == ("t-a", "S3-04", "b1", "run-1", 3)  # the error of run 3 did not close it
    assert set(oldest[1:3]) == {("t-b", "TLS-03", "web:443", "run-3", 2), ("t-b", "S3-04", "b2", "run-3", 2)}
    assert oldest[3] == ("t-c", "BKP-03", "daily", "run-4", 1)
    assert len(oldest) == 4  # t-b's bucket `gone` is no longer listed: closed, not open forever
    assert doc["oldest_open_failures"][0]["at_least"] is False
    # In a window that starts after a failure began (or with an error), it is "at least since"
    short = {(o["tenant"], o["control"]): o for o in fleet_of(history, runs=2)["oldest_open_failures"]}
    assert (short[("t-b", "TLS-03")]["since_run"], short[("t-b", "TLS-03")]["at_least"]) == ("run-3", True)
    assert (short[("t-a", "S3-04")]["since_run"], short[("t-a", "S3-04")]["at_least"]) == ("run-4", True)
    exact = fleet_of(history, runs=3)["oldest_open_failures"]
    assert [o["at_least"] for o in exact if o["tenant"] == "t-b" and o["control"] == "TLS-03"] == [False]


def test_a_failure_first_seen_after_an_error_may_be_older(tmp_path, fleet_of):
    path = tmp_path / "e.sqlite"
    store = EvidenceStore.open(str(path))
    for run, status in (("e-1", Status.passed), ("e-2", Status.error), ("e-3", Status.failed)):
        write_run(store, run, [result(run, "t", 0, status=status, resource="r")])
    store.close()
    [o] = fleet_of(path)["oldest_open_failures"]
    assert (o["since_run"], o["at_least"]) == ("e-3", True)  # it may have begun under the error of e-2


def test_top_failing_controls_by_severity_then_tenants(history, fleet_of):
    top = [
        (c["control"], c["severity"], c["tenants_affected"], c["open_failures"])
        for c in fleet_of(history)["top_failing_controls"]
    ]
    assert top == [("S3-04", "critical", 2, 2), ("BKP-03", "critical", 1, 1), ("TLS-03", "high", 1, 1)]


def test_trend_per_activity_run_by_run(history, fleet_of):
    trend = {t["activity"]: t["points"] for t in fleet_of(history, runs=4)["trend"]}
    six = [(p["pass_rate"], p["open_failures"]) for p in trend[6]]
    assert six == [(0.3333, 2), (0.3333, 2), (0.0, 1), (0.0, 3)]  # run 3: one error, one failure
    assert [p["pass_rate"] for p in trend[5]] == [0.6667, 1.0, 0.6667, 0.6667]
    assert all(p["pass_rate"] is None for p in trend[1])


def test_severity_floor_keeps_only_severe_controls(history, fleet_of):
    doc = fleet_of(history, min_severity="critical")
    assert doc["filters"]["min_severity"] == "critical"
    assert {c["control"] for c in doc["top_failing_controls"]} == {"S3-04", "BKP-03"}
    assert doc["summary"]["open_failures"] == 3
    heat = {h["tenant"]: h for h in fleet_of(history, min_severity="high")["heatmap"]}
    assert heat["t-c"]["open_failures"] == 1 and heat["t-c"]["cells"]["5"]["pass"] == 1
    heat = {h["tenant"]: h for h in doc["heatmap"]}
    assert heat["t-c"]["cells"]["5"] == {"pass": 0, "fail": 0, "error": 0, "not_applicable": 0}  # TLS-01 is high


def test_a_tenant_without_results_above_the_severity_floor_stays_listed(tmp_path, fleet_of):
    path = tmp_path / "tls.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(store, "r", [result("r", "tls-only", 0, status=Status.failed)])  # TLS-01: high
    store.close()
    [row] = fleet_of(path, min_severity="critical")["heatmap"]
    assert (row["tenant"], row["run_id"], row["open_failures"]) == ("tls-only", "r", 0)


def test_fleet_file_names_tenants_and_lists_those_without_results(history, fleet_of):
    infos = {"t-a": TenantInfo("Clinique A", (3, 4, 6)), "t-d": TenantInfo("Jamais vérifié", (5,))}
    heat = {h["tenant"]: h for h in fleet_of(history, tenants=infos)["heatmap"]}
    assert heat["t-a"]["name"] == "Clinique A" and heat["t-a"]["activities"] == [3, 4, 6]
    assert heat["t-d"]["run_id"] is None and heat["t-d"]["name"] == "Jamais vérifié"
    assert heat["t-b"]["name"] == "t-b" and heat["t-b"]["activities"] is None


def test_expiring_section_says_none_recorded_until_items_are_given(history, fleet_of):
    doc = fleet_of(history)
    assert doc["expiring"] is None
    html = unescape(render_fleet(doc, "html"))
    assert "Aucune attestation ni dérogation enregistrée." in html
    item = ExpiringItem("waiver", "t-b", "TLS-03", "2027-01-15", "DER-2026-07")
    doc = fleet_of(history, expiring=[item])
    assert doc["expiring"] == [
        {"kind": "waiver", "tenant": "t-b", "control": "TLS-03", "expires_on": "2027-01-15", "reference": "DER-2026-07"}
    ]
    html = unescape(render_fleet(doc, "html"))
    assert "Dérogation" in html and "DER-2026-07" in html and "2027-01-15" in html
    rows = list(csv.DictReader(io.StringIO(render_fleet(doc, "csv").lstrip("\ufeff"))))
    assert [(r["kind"], r["reference"]) for r in rows if r["section"] == "expiring"] == [("waiver", "DER-2026-07")]


def test_csv_has_every_section(history, fleet_of):
    text = render_fleet(fleet_of(history, runs=4), "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    sections = {r["section"] for r in rows}
    assert sections == {"heatmap", "trend", "top_control", "oldest_open"}
    heat = {(r["tenant"], r["activity"]): r for r in rows if r["section"] == "heatmap"}
    assert len(heat) == 3 * 6
    assert (heat[("t-a", "6")]["fail"], heat[("t-a", "6")]["pass_rate"], heat[("t-a", "6")]["run_id"]) == (
        "1",
        "0.0000",
        "run-4",
    )
    assert heat[("t-a", "1")]["pass_rate"] == ""
    trend = [r for r in rows if r["section"] == "trend" and r["activity"] == "6"]
    assert [r["open_failures"] for r in trend] == ["2", "2", "1", "3"]
    oldest = [r for r in rows if r["section"] == "oldest_open"]
    assert (oldest[0]["tenant"], oldest[0]["control"], oldest[0]["failing_runs"]) == ("t-a", "S3-04", "3")


def test_html_is_self_contained_with_charts_and_explained_cells(history, fleet_of):
    html = render_fleet(fleet_of(history, runs=4), "html")
    assert "<script" not in html.lower() and "<svg" in html and 'class="series"' in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2
    text = unescape(re.sub(r"<[^>]+>", "", html))
    for expected in (
        "Revue de direction — conformité HDS de la flotte",
        "Carte de chaleur : clients × activités HDS",
        "Un résultat compte une fois par activité HDS qu'il couvre",
        "Contrôles les plus en écart sur la flotte",
        "Écarts ouverts les plus anciens",
        "S3-04 — ",
        "critique",
    ):
        assert expected in text, expected
    english = unescape(render_fleet(fleet_of(history, lang="en"), "html"))
    assert (
        "Management review — HDS compliance of the fleet" in english and "a result counts once per" in english.lower()
    )


def test_hostile_names_are_escaped_and_neutralised(tmp_path, fleet_of):
    path = tmp_path / "h.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(store, "r", [result("r", "mixte", 0, status=Status.failed, target=HOSTILE, resource=FORMULA)])
    store.close()
    doc = fleet_of(path)
    assert HOSTILE not in render_fleet(doc, "html")
    [row] = [
        r
        for r in csv.DictReader(io.StringIO(render_fleet(doc, "csv").lstrip("\ufeff")))
        if r["section"] == "oldest_open"
    ]
    assert row["resource"] == "'" + FORMULA


def test_an_empty_store_gives_an_empty_report(tmp_path, fleet_of):
    path = tmp_path / "e.sqlite"
    EvidenceStore.open(str(path)).close()
    doc = fleet_of(path)
    assert doc["runs"] == [] and doc["heatmap"] == [] and doc["summary"]["open_failures"] == 0
    assert "Aucune exécution terminée" in unescape(render_fleet(doc, "html"))


def test_ten_thousand_tenants_stream_into_one_report(tmp_path, fleet_of):
    """Fleet scale: every tenant's rows of both runs meet in the merge, none is lost or mixed."""
    path = tmp_path / "big.sqlite"
    store = EvidenceStore.open(str(path))
    tenants = [f"t{i:05d}" for i in range(10_000)]
    for run in ("big-1", "big-2"):
        rows = []
        for i, t in enumerate(tenants):
            failing = i % 10 == 0 and (run == "big-2" or i % 20 == 0)
            rows.append(result(run, t, 0, status=Status.failed if failing else Status.passed, resource="r"))
        write_run(store, run, rows)
    store.close()
    doc = fleet_of(path, runs=2)
    assert doc["summary"]["tenants"] == 10_000
    assert doc["summary"]["open_failures"] == 1_000
    assert doc["top_failing_controls"][0]["tenants_affected"] == 1_000
    since = {o["since_run"] for o in doc["oldest_open_failures"]}
    assert since == {"big-1"}  # the 500 failing in both runs are the oldest
    assert [p["open_failures"] for p in doc["trend"][3]["points"]] == [500, 1_000]


def test_cli_writes_each_fleet_format(history, tmp_path):
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("t-a", [3, 4, 6]), tenant("t-d", [5])])
    for fmt in ("html", "csv", "json"):
        out = tmp_path / f"fleet.{fmt}"
        res = CliRunner().invoke(
            cli,
            [
                "report",
                "--fleet",
                "--store",
                str(history),
                "--format",
                fmt,
                "-o",
                str(out),
                "--runs",
                "3",
                "-c",
                str(cfg),
            ],
        )
        assert res.exit_code == 0, res.output
        assert "run-4" in out.read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "fleet.json").read_text())
    assert [r["run_id"] for r in doc["runs"]] == ["run-2", "run-3", "run-4"]
    assert {h["tenant"] for h in doc["heatmap"]} == {"t-a", "t-b", "t-c", "t-d"}


def test_cli_fleet_to_stdout_in_english_from_env(history):
    res = CliRunner(env={"HDS_LANG": "en"}).invoke(
        cli, ["report", "--fleet", "--store", str(history), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    assert '"lang": "en"' in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fleet", "--format", "oscal"], "--fleet writes html, csv, json, not oscal"),
        (["--fleet", "--tenant", "t-a"], "give either --tenant TENANT or --fleet"),
        ([], "give either --tenant TENANT or --fleet"),
        (["--fleet", "--run", "run-1"], "--fleet covers the latest runs"),
        (["--fleet", "--runs", "0"], "Invalid value for '--runs'"),
        (["--tenant", "t-a", "--runs", "3"], "--runs is for --fleet"),
        (["--fleet", "--severity", "urgent"], "Invalid value for '--severity'"),
    ],
)
def test_cli_fleet_bad_input_exits_2_and_writes_nothing(history, tmp_path, args, message):
    out = tmp_path / "x.html"
    res = CliRunner().invoke(cli, ["report", "--store", str(history), "-o", str(out), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert not out.exists()


@pytest.fixture(scope="module")
def postgres_server():
    from tests.support.postgres import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    with PostgresServer(bindir) as server:
        yield server


def test_the_fleet_report_reads_postgresql_the_same_way(postgres_server, history, fleet_of, catalog):
    """The merge by tenant relies on every run's stream being in code point order: PostgreSQL's
    collation (which may ignore punctuation: `ta` before `t-b`) must not split a tenant's history."""
    url = postgres_server.url(postgres_server.create_database())
    write_history(url)
    store = EvidenceStore.open(url, create=False)
    try:
        write_run(store, "run-6", [result("run-6", t, 0, status=Status.failed) for t in ("ta", "t-b", "tA", "t-a")])
        pg = build_fleet_report(store, catalog, runs=5)
    finally:
        store.close()
    tenants = [h["tenant"] for h in pg["heatmap"]]
    assert sorted(tenants) == ["t-a", "t-b", "t-c", "tA", "ta"]  # each tenant once
    oldest = {(o["tenant"], o["control"], o["resource"]): o["since_run"] for o in pg["oldest_open_failures"]}
    assert oldest[("t-a", "S3-04", "b1")] == "run-1"  # history across runs kept together (run-6 ran TLS-01 only)
    # ta 1, tA 1, t-a 2 (TLS-01 of run-6, S3-04 b1), t-b 3 (TLS-01, and TLS-03, S3-04 b2 not run since), t-c 1
    assert pg["summary"]["open_failures"] == 8
