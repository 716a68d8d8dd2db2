"""The HTML report: one self-contained, printable file (inline CSS, no script, no external asset),
rendered with Jinja2 and autoescaping, so nothing a target reports can inject markup."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from controlplane.reports.labels import LABELS


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
    return env


def render_html(report: dict[str, Any]) -> str:
    labels = LABELS.get(report["lang"], LABELS["fr"])
    return _environment().get_template("report.html.j2").render(report=report, labels=labels)
