"""The HTML reports render in a real browser (headless Chromium): visible text, a printed PDF, and
the fleet report's trend chart, checked on a screenshot."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess

import pytest

from controlplane.reports import TenantInfo, render
from controlplane.reports.fleet import build_fleet_report
from controlplane.reports.fleet_render import render_fleet
from controlplane.store import EvidenceStore
from tests.reports.fleet_fixtures import write_history
from tests.reports.png import Image, decode
from tests.support.sweeps import ALPHA, ALPHA_NAME

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (Debian: apt-get install chromium)")


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def report_file(swept, report_of, tmp_path):
    path = tmp_path / "rapport.html"
    path.write_text(render(report_of(swept.store_path, ALPHA, info=TenantInfo(ALPHA_NAME, (3, 4, 5, 6))), "html"))
    return path


def visible_text(dom: str) -> str:
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_report_renders_in_headless_chromium(report_file, tmp_path):
    out = chromium(tmp_path, "--dump-dom", report_file.as_uri())
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    text = visible_text(out.stdout.decode())
    for expected in (
        f"Rapport de conformité HDS — {ALPHA_NAME}",
        "Les six activités HDS",
        "ISO/IEC 27001:2022, annexe A — déclaration d'applicabilité",
        "Nouveaux écarts (1)",
        "TLS-04 — Le certificat n'expire pas dans les prochains jours",
        "Renouveler le certificat",
    ):
        assert expected in text, expected


def test_the_report_prints_to_pdf(report_file, tmp_path):
    pdf = tmp_path / "rapport.pdf"
    out = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_file.as_uri())
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3  # a long report paginates on A4


def screenshot(tmp_path, page, name: str) -> Image:
    png = tmp_path / f"{name}.png"
    out = chromium(
        tmp_path,
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--window-size=1200,1400",
        f"--screenshot={png}",
        page.as_uri(),
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    return decode(png.read_bytes())


def test_the_fleet_report_draws_its_trend_chart_in_chromium(tmp_path, catalog):
    """The chart area is not empty: the same page with the data lines hidden differs from it in a
    band of coloured pixels (the lines and points of the six activities), and only there."""
    store_path = write_history(tmp_path / "fleet.sqlite")
    store = EvidenceStore.open(str(store_path), create=False)
    try:
        html = render_fleet(build_fleet_report(store, catalog, runs=4), "html")
    finally:
        store.close()
    page = tmp_path / "flotte.html"
    page.write_text(html, encoding="utf-8")
    blank = tmp_path / "flotte-sans-courbes.html"
    blank.write_text(html.replace("</style>", ".series { visibility: hidden; }\n</style>", 1), encoding="utf-8")
    shot, control = screenshot(tmp_path, page, "flotte"), screenshot(tmp_path, blank, "sans-courbes")
    assert (shot.width, shot.height) == (control.width, control.height)
    changed = [
        (x, y)
        for y in range(shot.height)
        if shot.rows[y] != control.rows[y]
        for x in range(shot.width)
        if shot.pixel(x, y) != control.pixel(x, y)
    ]
    assert len(changed) > 2000, len(changed)  # six lines with markers, two charts
    coloured = [p for p in changed if len(set(shot.pixel(*p))) > 1 and min(shot.pixel(*p)) < 200]
    assert len(coloured) > 1000, len(coloured)  # drawn in colour, not anti-aliasing noise
    xs, ys = [x for x, _ in coloured], [y for _, y in coloured]
    assert max(xs) - min(xs) > 300  # the lines span the runs across the chart's width
    assert max(ys) - min(ys) > 100
