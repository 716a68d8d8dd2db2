"""The tenant report puts what to fix first first, filters by severity, speaks one language (French
ISO titles in French reports) and says what its activity cells count."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.reports import TenantInfo, render
from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run
from tests.support.sweeps import ALPHA, ALPHA_NAME


def anchors_in_order(html: str) -> list[str]:
    return re.findall(r'<article class="finding st-\w+" id="(f-\d+)"', html)


def test_html_findings_fail_error_pass_then_not_applicable(hostile_store, report_of):
    # stored order: fail (seq 0), error (1), not applicable (2), pass (3)
    report = report_of(hostile_store, "mixte")
    assert [f["anchor"] for f in report["findings"]] == ["f-0", "f-1", "f-2", "f-3"]  # the JSON keeps stored order
    assert anchors_in_order(render(report, "html")) == ["f-0", "f-1", "f-3", "f-2"]


def test_html_findings_most_severe_first_within_a_status(tmp_path, report_of):
    path = tmp_path / "s.sqlite"
    store = EvidenceStore.open(str(path))
    write_run(
        store,
        "r",
        [
            result("r", "t", 0, status=Status.not_applicable, resource=""),
            result("r", "t", 1, control="TLS-04", status=Status.failed),  # medium
            result("r", "t", 2, control="S3-04", status=Status.failed),  # critical
            result("r", "t", 3, control="TLS-01", status=Status.failed),  # high
        ],
    )
    store.close()
    html = render(report_of(path, "t"), "html")
    assert anchors_in_order(html) == ["f-2", "f-3", "f-1", "f-0"]
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "Non conforme critique S3-04" in re.sub(r"\s+", " ", text)


def test_severity_in_the_trend_of_json_and_html(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    [new] = report["trend"]["new_failures"]
    assert (new["control"], new["severity"]) == ("TLS-04", "medium")
    html = render(report, "html")
    assert "<th>Sévérité</th>" in html
    assert re.search(r"TLS-04</a> — [^<]+</td>\s*<td>moyenne</td>", html)


def test_severity_floor_narrows_findings_counts_and_trend_not_the_soa(swept, report_of):
    everything = report_of(swept.store_path, ALPHA)
    high = report_of(swept.store_path, ALPHA, min_severity="high")
    assert high["filters"] == {"min_severity": "high"}
    assert {f["control"] for f in high["findings"]} == {"TLS-01", "TLS-02", "TLS-03", "TLS-05"}
    assert high["summary"]["counts"] == {"pass": 3, "fail": 1, "error": 0, "not_applicable": 0}
    assert high["trend"]["new_failures"] == []  # TLS-04 is medium
    statuses = [(r["id"], r["status"]) for r in high["iso27001"]]
    assert statuses == [(r["id"], r["status"]) for r in everything["iso27001"]]
    html = render(high, "html")
    shown = set(anchors_in_order(html))
    assert set(re.findall(r'href="#(f-\d+)"', html)) <= shown  # no link to a finding left out
    assert "Filtre : contrôles de sévérité au moins élevée" in unescape(html)


def test_cli_severity_filter(swept, tmp_path):
    out = tmp_path / "r.json"
    args = ["report", "--store", str(swept.store_path), "--tenant", ALPHA, "--format", "json", "-o", str(out)]
    res = CliRunner().invoke(cli, [*args, "--severity", "critical"])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["findings"] == []  # no TLS control is critical
    res = CliRunner().invoke(cli, [*args, "--severity", "urgent"])
    assert res.exit_code == 2 and "Invalid value for '--severity'" in res.output


def test_french_reports_use_french_iso_titles(swept, report_of):
    fr = report_of(swept.store_path, ALPHA, info=TenantInfo(ALPHA_NAME, (3, 4, 5, 6)))
    en = report_of(swept.store_path, ALPHA, lang="en")
    assert {r["id"]: r["title"] for r in fr["iso27001"]}["A.8.24"] == "Utilisation de la cryptographie"
    assert {r["id"]: r["title"] for r in en["iso27001"]}["A.8.24"] == "Use of cryptography"
    html = unescape(render(fr, "html"))
    assert "Utilisation de la cryptographie" in html and "Use of cryptography" not in html
    assert "sans traduction" in html  # says where plugin text stays as produced


@pytest.mark.parametrize(
    ("env", "args", "lang"),
    [({}, [], "fr"), ({"HDS_LANG": "en"}, [], "en"), ({"HDS_LANG": "en"}, ["--lang", "fr"], "fr")],
)
def test_report_language_from_hds_lang_french_by_default(swept, tmp_path, env, args, lang):
    out = tmp_path / "r.json"
    res = CliRunner(env=env).invoke(
        cli, ["report", "--store", str(swept.store_path), "--tenant", ALPHA, "--format", "json", "-o", str(out), *args]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["lang"] == lang


def test_a_bad_hds_lang_is_refused(swept, tmp_path):
    res = CliRunner(env={"HDS_LANG": "de"}).invoke(
        cli, ["report", "--store", str(swept.store_path), "--tenant", ALPHA, "-o", str(tmp_path / "r.html")]
    )
    assert res.exit_code == 2 and "Invalid value for '--lang'" in res.output


def test_the_activity_table_says_what_its_cells_count(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    cells = sum(sum(a["counts"].values()) for a in report["activities"])
    assert cells == 3 * report["summary"]["total"]  # each TLS result evidences activities 3, 4 and 5
    fr = unescape(render(report, "html"))
    assert "Un résultat compte une fois par activité HDS qu'il couvre" in fr
    assert f"les {report['summary']['total']} résultats de l'exécution" in fr
    assert "Résultats, comptés une fois par activité couverte" in fr
    en = unescape(render(report_of(swept.store_path, ALPHA, lang="en"), "html"))
    assert "A result counts once per HDS activity it evidences" in en
