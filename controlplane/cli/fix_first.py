"""What to fix first in a run: failing controls ranked by severity × tenants affected, errors
grouped by their cause, and the `--severity` floor shared by `run` and `runs show`.

Why grouped errors: one missing secret errors every check of a target, thirteen identical rows
per tenant; the operator needs one line naming the cause and how many checks it blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

from controlplane.severity import SEVERITIES, at_least, priority

MAX_FIX_FIRST = 10
MAX_ERROR_GROUPS = 20

SEVERITY_OPTION = click.option(
    "--severity",
    "min_severity",
    type=click.Choice(SEVERITIES),
    default=None,
    help="List only results of controls of at least this severity (e.g. high: high and critical). "
    "The summary table, the counts and the exit code still cover the whole run.",
)


@dataclass
class _Failing:
    tenants: set[str] = field(default_factory=set)
    resources: int = 0


@dataclass
class _ErrorGroup:
    count: int = 0
    tenants: set[str] = field(default_factory=set)
    controls: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)


@dataclass
class FixFirst:
    """Aggregates of one pass over a run's results (streamed: only sets of ids are kept)."""

    severities: Mapping[str, str]
    floor: str | None = None
    failing: dict[str, _Failing] = field(default_factory=dict)
    errors: dict[str, _ErrorGroup] = field(default_factory=dict)

    def severity(self, control: str) -> str:
        return self.severities.get(control, "-")

    def shown(self, control: str) -> bool:
        return at_least(self.severities.get(control), self.floor)

    def add(self, r: Mapping[str, Any]) -> None:
        status = r["status"]
        if status not in ("fail", "error") or not self.shown(r["control"]):
            return
        if status == "fail":
            entry = self.failing.setdefault(r["control"], _Failing())
            entry.tenants.add(r["tenant"])
            entry.resources += 1
            return
        group = self.errors.setdefault(r["message"], _ErrorGroup())
        group.count += 1
        group.tenants.add(r["tenant"])
        group.controls.add(r["control"])
        group.targets.add(r["target"] or "-")

    def ranked(self) -> list[tuple[str, _Failing]]:
        return sorted(
            self.failing.items(),
            key=lambda kv: (-priority(self.severity(kv[0]), len(kv[1].tenants)), -kv[1].resources, kv[0]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "fix_first": [
                {
                    "control": c,
                    "severity": self.severity(c),
                    "tenants_affected": len(f.tenants),
                    "failing_results": f.resources,
                }
                for c, f in self.ranked()
            ],
            "errors_by_cause": [
                {
                    "cause": cause,
                    "results": g.count,
                    "tenants": sorted(g.tenants),
                    "controls": sorted(g.controls),
                    "targets": sorted(g.targets),
                }
                for cause, g in self._error_groups()
            ],
        }

    def _error_groups(self) -> list[tuple[str, _ErrorGroup]]:
        return sorted(self.errors.items(), key=lambda kv: (-kv[1].count, kv[0]))


def _few(items: Iterable[str], limit: int = 4) -> str:
    ordered = sorted(items)
    more = len(ordered) - limit
    return ", ".join(ordered[:limit]) + (f" … (+{more})" if more > 0 else "")


def print_fix_first(agg: FixFirst, titles: Mapping[str, str]) -> None:
    """The errors grouped by cause, then the failing controls to fix first: the last lines of a
    run's summary, whether or not anything is new."""
    from controlplane.cli.output import echo, table

    floor = f" (severity ≥ {agg.floor})" if agg.floor else ""
    groups = agg._error_groups()
    if groups:
        table(
            f"Errors by cause{floor}: checks that could not observe anything",
            ["Results", "Tenants", "Controls", "Targets", "Cause"],
            [
                [g.count, _few(g.tenants, 3), _few(g.controls), _few(g.targets, 3), cause]
                for cause, g in groups[:MAX_ERROR_GROUPS]
            ],
            wrap=("Cause",),
        )
        if len(groups) > MAX_ERROR_GROUPS:
            echo(f"… and {len(groups) - MAX_ERROR_GROUPS} more causes (`--format json` lists them all)")
    ranked = agg.ranked()
    if not ranked:
        echo(f"Fix first{floor}: nothing fails.")
        return
    table(
        f"Fix first{floor}: failing controls by severity × tenants affected",
        ["Control", "Severity", "Tenants", "Failing results", "Title"],
        [[c, agg.severity(c), len(f.tenants), f.resources, titles.get(c, "")] for c, f in ranked[:MAX_FIX_FIRST]],
        wrap=("Title",),
    )
    if len(ranked) > MAX_FIX_FIRST:
        echo(f"… and {len(ranked) - MAX_FIX_FIRST} more failing controls (`--format json` lists them all)")


__all__ = ["SEVERITIES", "SEVERITY_OPTION", "FixFirst", "at_least", "print_fix_first"]
