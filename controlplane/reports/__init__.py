"""Auditor and tool reports of one tenant's run: HTML, JSON, OSCAL, JUnit, CSV.

`build_report` gathers the tenant's results into one document (the JSON format, a stable API);
`render` turns it into any format. A report only ever holds the requested tenant's data.
"""

from __future__ import annotations

import json
from typing import Any

from controlplane.reports.model import REPORT_FORMAT, TenantInfo, build_report

FORMATS = ("html", "json", "oscal", "junit", "csv")


def render(report: dict[str, Any], fmt: str) -> str:
    """The report as text in one of FORMATS."""
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        from controlplane.reports.html import render_html

        return render_html(report)
    if fmt == "oscal":
        from controlplane.reports.oscal import render_oscal

        return json.dumps(render_oscal(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        from controlplane.reports.junit import render_junit

        return render_junit(report)
    if fmt == "csv":
        from controlplane.reports.csv_table import render_csv

        return render_csv(report)
    raise ValueError(f"unknown report format {fmt!r}")


__all__ = ["FORMATS", "REPORT_FORMAT", "TenantInfo", "build_report", "render"]
