"""Severity and status orders shared by every report: what to fix first comes first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_RANK = {s: i + 1 for i, s in enumerate(SEVERITIES)}
"""low 1 … critical 4; a control unknown to the catalog ranks 0."""

STATUS_ORDER = {"fail": 0, "error": 1, "pass": 2, "not_applicable": 3}
"""Fix-first order of findings: failures, then errors (unverified), then the rest."""


def at_least(severity: str | None, minimum: str | None) -> bool:
    """Whether a finding of `severity` passes a `--severity` floor (no floor: everything)."""
    if minimum is None:
        return True
    return SEVERITY_RANK.get(severity or "", 0) >= SEVERITY_RANK[minimum]


def fix_first(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings ordered fail → error → pass → not applicable, the most severe first within each
    status, then in stored order."""
    return sorted(
        findings,
        key=lambda f: (STATUS_ORDER.get(f["status"], 4), -SEVERITY_RANK.get(f["severity"] or "", 0), f["seq"]),
    )
