"""The HTML report: one self-contained, printable file (inline CSS, no script, no external asset),
rendered with Jinja2 and autoescaping, so nothing a target reports can inject markup."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from controlplane.reports.labels import LABELS
from controlplane.reports.severity import fix_first


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("controlplane.reports", "."),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty_json"] = lambda data: json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    env.filters["minute"] = lambda stamp: f"{stamp[:10]} {stamp[11:16]}" if stamp and len(stamp) >= 16 else stamp
    return env


def render_html(report: dict[str, Any]) -> str:
    """The findings are shown fix first (fail, error, pass, not applicable; most severe first);
    the JSON document keeps them in stored order."""
    labels = LABELS.get(report["lang"], LABELS["fr"])
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, labels=labels, findings=fix_first(report["findings"]))
