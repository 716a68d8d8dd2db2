"""Fix-first order of findings in the reports (severity order itself: controlplane.severity)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controlplane.severity import SEVERITY_RANK

STATUS_ORDER = {"fail": 0, "error": 1, "pass": 2, "not_applicable": 3}
"""Fix-first order of findings: failures, then errors (unverified), then the rest."""


def fix_first(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings ordered fail → error → pass → not applicable, the most severe first within each
    status, then in stored order."""
    return sorted(
        findings,
        key=lambda f: (STATUS_ORDER.get(f["status"], 4), -SEVERITY_RANK.get(f["severity"] or "", 0), f["seq"]),
    )
