"""The HTML report renders in a real browser (headless Chromium): visible text and a printed PDF."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess

import pytest

from controlplane.reports import TenantInfo, render
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
