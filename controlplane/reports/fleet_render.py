"""The fleet report as HTML (one self-contained page, inline SVG charts, no script) and CSV (one
table, a `section` column per part, for spreadsheets)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from markupsafe import Markup

from controlplane.reports.csv_table import _safe
from controlplane.reports.fleet_labels import FLEET_LABELS
from controlplane.reports.html import _environment
from controlplane.reports.svg_chart import Series, line_chart

HEATMAP_ROWS = 200
"""Rows of the HTML heat map (worst tenants first); CSV and JSON hold every tenant."""
MAX_X_LABELS = 12


def _cell(counts: dict[str, int], contracted: bool | None) -> dict[str, Any]:
    judged = counts["pass"] + counts["fail"] + counts["error"]
    if not judged:
        return {"css": "h-nc" if contracted is False else "h-none", "judged": 0, "fail": 0, "rate": None}
    rate = counts["pass"] / judged
    css = "h0" if rate >= 0.95 else "h1" if rate >= 0.8 else "h2" if rate >= 0.5 else "h3"
    return {"css": css, "judged": judged, "fail": counts["fail"], "error": counts["error"], "rate": rate}


def _x_labels(runs: list[dict[str, Any]]) -> list[str]:
    step = max(1, -(-len(runs) // MAX_X_LABELS))
    return [r["started_at"][5:16].replace("T", " ") if i % step == 0 else "" for i, r in enumerate(runs)]


def _charts(doc: dict[str, Any], labels: dict[str, str]) -> tuple[Markup, Markup]:
    x = _x_labels(doc["runs"])
    name = labels["activity"]
    rates = [Series(f"{name} {t['activity']}", [p["pass_rate"] for p in t["points"]]) for t in doc["trend"]]
    fails = [
        Series(
            f"{name} {t['activity']}",
            [float(p["open_failures"]) if any(p["counts"].values()) else None for p in t["points"]],
        )
        for t in doc["trend"]
    ]  # an activity without any result in a run has no point there, not a zero
    return (
        Markup(line_chart(labels["trend_rate"], x, rates, percent=True)),  # line_chart escapes every text
        Markup(line_chart(labels["trend_failures"], x, fails)),
    )


def render_fleet_html(doc: dict[str, Any]) -> str:
    labels = FLEET_LABELS.get(doc["lang"], FLEET_LABELS["fr"])
    numbers = [a["number"] for a in doc["activities"]]
    rows = []
    for h in doc["heatmap"][:HEATMAP_ROWS]:
        contracted = set(h["activities"]) if h["activities"] is not None else None
        rows.append(
            {
                **h,
                "view": [_cell(h["cells"][str(n)], None if contracted is None else n in contracted) for n in numbers],
            }
        )
    rate_chart, fail_chart = _charts(doc, labels) if doc["runs"] else (Markup(""), Markup(""))
    return (
        _environment()
        .get_template("fleet.html.j2")
        .render(
            doc=doc,
            L=labels,
            rows=rows,
            more=max(0, len(doc["heatmap"]) - HEATMAP_ROWS),
            rate_chart=rate_chart,
            fail_chart=fail_chart,
        )
    )


CSV_COLUMNS = (
    "section",
    "tenant",
    "activity",
    "control",
    "severity",
    "run_id",
    "started_at",
    "pass",
    "fail",
    "error",
    "not_applicable",
    "pass_rate",
    "open_failures",
    "tenants_affected",
    "target",
    "resource",
    "open_since",
    "failing_runs",
    "kind",
    "expires_on",
    "reference",
)


def render_fleet_csv(doc: dict[str, Any]) -> str:
    """Sections: `heatmap` (one row per tenant and activity), `trend` (per run and activity),
    `top_control`, `oldest_open`, `expiring`. UTF-8 with BOM; formula-like text neutralised."""
    out = io.StringIO()
    w = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n", restval="")
    w.writeheader()
    for h in doc["heatmap"]:
        for activity, c in h["cells"].items():
            judged = c["pass"] + c["fail"] + c["error"]
            w.writerow(
                {"section": "heatmap", "tenant": _safe(h["tenant"]), "activity": activity, "run_id": h["run_id"] or ""}
                | c
                | {"pass_rate": f"{c['pass'] / judged:.4f}" if judged else "", "open_failures": c["fail"]}
            )
    for t in doc["trend"]:
        for run, p in zip(doc["runs"], t["points"], strict=True):
            w.writerow(
                {
                    "section": "trend",
                    "activity": t["activity"],
                    "run_id": run["run_id"],
                    "started_at": run["started_at"],
                }
                | p["counts"]
                | {
                    "pass_rate": "" if p["pass_rate"] is None else f"{p['pass_rate']:.4f}",
                    "open_failures": p["open_failures"],
                }
            )
    for c in doc["top_failing_controls"]:
        w.writerow(
            {
                "section": "top_control",
                "control": c["control"],
                "severity": c["severity"] or "",
                "open_failures": c["open_failures"],
                "tenants_affected": c["tenants_affected"],
            }
        )
    for o in doc["oldest_open_failures"]:
        w.writerow(
            {
                "section": "oldest_open",
                "tenant": _safe(o["tenant"]),
                "control": o["control"],
                "severity": o["severity"] or "",
                "run_id": o["since_run"],
                "target": _safe(o["target"]),
                "resource": _safe(o["resource"]),
                "open_since": ("<=" if o["at_least"] else "") + o["since"],
                "failing_runs": o["failing_runs"],
            }
        )
    for e in doc["expiring"] or []:
        w.writerow(
            {
                "section": "expiring",
                "tenant": _safe(e["tenant"]),
                "control": e["control"],
                "kind": e["kind"],
                "expires_on": e["expires_on"],
                "reference": _safe(e["reference"]),
            }
        )
    return "\ufeff" + out.getvalue()


def render_fleet(doc: dict[str, Any], fmt: str) -> str:
    """The fleet report as text: html, csv or json (the document itself, `hds-fleet-report/1`)."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return render_fleet_html(doc)
    if fmt == "csv":
        return render_fleet_csv(doc)
    raise ValueError(f"unknown fleet report format {fmt!r}")
