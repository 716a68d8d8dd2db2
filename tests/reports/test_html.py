"""The HTML report: one self-contained, printable file, French by default, escaped."""

from __future__ import annotations

import re
from html import unescape

from controlplane.reports import TenantInfo, render
from tests.reports.conftest import HOSTILE
from tests.support.sweeps import ALPHA, ALPHA_NAME


def test_french_by_default_with_every_section(swept, report_of):
    html = unescape(render(report_of(swept.store_path, ALPHA, info=TenantInfo(ALPHA_NAME, (3, 4, 5, 6))), "html"))
    assert '<html lang="fr">' in html
    for text in (
        f"Rapport de conformité HDS — {ALPHA_NAME}",
        "Les six activités HDS",
        "déclaration d'applicabilité",
        "Évolution depuis l'exécution précédente",
        "Nouveaux écarts (1)",
        "Corrigés (1)",
        "Toujours en écart (1)",
        "Constats détaillés",
        "Remédiation",
        "Chaîne d'empreintes intacte",
    ):
        assert text in html, text


def test_english_on_request(swept, report_of):
    html = render(report_of(swept.store_path, ALPHA, lang="en"), "html")
    assert '<html lang="en">' in html
    assert "HDS compliance report" in html and "statement of applicability" in html


def test_self_contained_and_printable(swept, report_of):
    html = render(report_of(swept.store_path, ALPHA), "html")
    assert "<style>" in html and "@media print" in html and "@page" in html
    assert not re.search(r"<(script|link|img|iframe|object)\b", html, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=\s*\"(?!#)", html)  # only in-page anchors
    assert "url(" not in html and "@import" not in html


def test_soa_links_to_finding_anchors(swept, report_of):
    report = report_of(swept.store_path, ALPHA)
    html = render(report, "html")
    for finding in report["findings"]:
        assert f'id="{finding["anchor"]}"' in html
        assert f'href="#{finding["anchor"]}"' in html


def test_data_from_targets_is_escaped(hostile_store, report_of):
    html = render(report_of(hostile_store, "mixte"), "html")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
