"""One severity order for every view: the floor and the fix-first priority."""

from __future__ import annotations

from controlplane.catalog.models import Severity
from controlplane.severity import SEVERITIES, at_least, priority


def test_the_order_is_the_catalogs():
    assert SEVERITIES == tuple(s.value for s in Severity) == ("low", "medium", "high", "critical")


def test_the_floor_keeps_that_severity_and_above_and_unknown_only_without_floor():
    assert [s for s in SEVERITIES if at_least(s, "high")] == ["high", "critical"]
    assert at_least(None, None) and not at_least(None, "low")


def test_a_critical_control_on_one_tenant_ranks_with_a_high_one_on_two():
    assert priority("critical", 1) == priority("high", 2) > priority("medium", 3) > priority(None, 100)
