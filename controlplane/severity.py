"""Severity order, the `--severity` floor and fix-first priority: one definition for the CLI,
the tenant report and the fleet report, so every view ranks what to fix first the same way."""

from __future__ import annotations

from controlplane.catalog.models import Severity

SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
"""low, medium, high, critical: from the catalog's own enum."""

SEVERITY_RANK = {s: i + 1 for i, s in enumerate(SEVERITIES)}
"""low 1 … critical 4; a control unknown to the catalog ranks 0."""

WEIGHT = {s: 2**i for i, s in enumerate(SEVERITIES)}
"""Each severity weighs twice the one below: a critical control failing on one tenant ranks with a
high one failing on two."""


def at_least(severity: str | None, floor: str | None) -> bool:
    """Whether a control of `severity` passes the `--severity` floor (no floor: everything; a
    severity unknown to the catalog passes only when there is no floor)."""
    if floor is None:
        return True
    return SEVERITY_RANK.get(severity or "", 0) >= SEVERITY_RANK[floor]


def priority(severity: str | None, tenants: int) -> int:
    """Fix-first priority of a failing control: severity weight × tenants affected."""
    return WEIGHT.get(severity or "", 0) * tenants


__all__ = ["SEVERITIES", "SEVERITY_RANK", "WEIGHT", "at_least", "priority"]
