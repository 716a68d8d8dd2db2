"""CSV for spreadsheets: one row per stored result, UTF-8 with a byte-order mark so spreadsheet
software reads accented French correctly. Text cells that a spreadsheet would take for a formula
(=, +, -, @ first) are prefixed with an apostrophe: a hostile server banner must not run."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

COLUMNS = (
    "tenant",
    "run_id",
    "seq",
    "control",
    "title",
    "severity",
    "status",
    "target_kind",
    "target",
    "resource",
    "message",
    "hds_activities",
    "iso27001",
    "started_at",
    "duration_ms",
    "remediation",
    "evidence",
    "record_hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in report["findings"]:
        writer.writerow(
            [
                report["tenant"]["id"],
                report["run"]["run_id"],
                f["seq"],
                f["control"],
                _safe(f["title"]),
                f["severity"] or "",
                f["status"],
                f["target_kind"],
                _safe(f["target"]),
                _safe(f["resource"]),
                _safe(f["message"]),
                ";".join(str(a) for a in f["hds_activities"]),
                ";".join(f["iso27001"]),
                f["started_at"],
                f"{f['duration_ms']:.3f}",
                _safe(f["remediation"] or ""),
                _safe(json.dumps(f["evidence"], ensure_ascii=False, sort_keys=True)),
                f["record_hash"],
            ]
        )
    return "\ufeff" + out.getvalue()
