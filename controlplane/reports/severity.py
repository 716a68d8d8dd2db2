"""Fix-first order of findings in the reports (severity order itself: controlplane.severity)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controlplane.results import FIX_FIRST
from controlplane.severity import SEVERITY_RANK


def fix_first(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings ordered fail → error → pass → not applicable, the most severe first within each
    status, then in stored order."""
    return sorted(
        findings,
        key=lambda f: (FIX_FIRST.get(f["status"], 4), -SEVERITY_RANK.get(f["severity"] or "", 0), f["seq"]),
    )
