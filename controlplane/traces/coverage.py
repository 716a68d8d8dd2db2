"""Is the right to consult traces actually exercisable? From the times at which trace units (log
objects, log files) were written, decide whether logs are flowing (the newest is recent) and
whether they cover the contracted retention without a gap (issue 21, controls TRC-02 and TRC-03).

A plugin's collector lists its trace units (no log content is read) and keeps only this summary
in its snapshot; the judging is here, shared by every plugin, so S3, Kubernetes and PostgreSQL
traces are held to the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from controlplane.results import Finding, Status


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def summarise(
    stamps: Iterable[datetime], now: datetime, retention_days: int, sources: list[str], problems: list[str]
) -> dict[str, Any]:
    """The summary a snapshot keeps (plain JSON data): newest, oldest, and the longest stretch
    without any trace inside the retention window [now - retention, now]."""
    ordered = sorted(stamps)
    start = now - timedelta(days=retention_days)
    gap: tuple[datetime, datetime] | None = None
    previous: datetime | None = None
    for stamp in ordered:
        if stamp >= start and previous is not None:
            begin = max(previous, start)
            if gap is None or stamp - begin > gap[1] - gap[0]:
                gap = (begin, stamp)
        previous = stamp
    return {
        "sources": sources,
        "units": len(ordered),
        "newest": _iso(ordered[-1]) if ordered else None,
        "oldest": _iso(ordered[0]) if ordered else None,
        "at": _iso(now),
        "window_start": _iso(start),
        "longest_gap": None if gap is None else {"from": _iso(gap[0]), "to": _iso(gap[1])},
        "problems": problems,
    }


def _hours(a: str, b: datetime | str) -> float:
    end = b if isinstance(b, datetime) else datetime.fromisoformat(b)
    return (end - datetime.fromisoformat(a)).total_seconds() / 3600


def judge_fresh(summary: Mapping[str, Any], now: datetime, max_age_hours: float, resource: str) -> Finding:
    """TRC-02: the newest trace is at most `max_age_hours` old (logs are flowing, not just configured)."""
    evidence = {**summary, "trace_max_age_hours": max_age_hours, "checked_at": _iso(now)}
    if summary["problems"]:
        return Finding(Status.error, f"trace units could not be listed: {summary['problems'][0]}", resource, evidence)
    if summary["newest"] is None:
        return Finding(
            Status.failed, "no trace at all: logs are configured but none was ever written", resource, evidence
        )
    age = _hours(summary["newest"], now)
    evidence["newest_age_hours"] = round(age, 2)
    if age > max_age_hours:
        return Finding(
            Status.failed,
            f"logs stopped flowing: newest trace {age:.1f} h old (contract: at most {max_age_hours:g} h)",
            resource,
            evidence,
        )
    return Finding(Status.passed, f"newest trace {age:.1f} h old (at most {max_age_hours:g} h)", resource, evidence)


def judge_coverage(summary: Mapping[str, Any], retention_days: int, max_gap_hours: float, resource: str) -> Finding:
    """TRC-03: traces reach back to the contracted retention and no stretch inside it is longer
    than `max_gap_hours` without any trace. The oldest trace may be up to one gap bound younger
    than the retention start (logs are written in batches)."""
    evidence = {**summary, "log_retention_days": retention_days, "trace_max_gap_hours": max_gap_hours}
    if summary["problems"]:
        return Finding(Status.error, f"trace units could not be listed: {summary['problems'][0]}", resource, evidence)
    if summary["oldest"] is None:
        return Finding(Status.failed, "no trace at all: nothing covers the contracted retention", resource, evidence)
    short = _hours(summary["window_start"], summary["oldest"])
    if short > max_gap_hours:
        return Finding(
            Status.failed,
            f"traces reach back to {summary['oldest'][:10]} only: {short / 24:.0f} days short of the contracted "
            f"{retention_days} days",
            resource,
            evidence,
        )
    gap = summary["longest_gap"]
    if gap is not None:
        length = _hours(gap["from"], gap["to"])
        evidence["longest_gap_hours"] = round(length, 2)
        if length > max_gap_hours:
            return Finding(
                Status.failed,
                f"gap in the traces: none from {gap['from']} to {gap['to']} ({length:.0f} h, at most "
                f"{max_gap_hours:g} h)",
                resource,
                evidence,
            )
    return Finding(
        Status.passed,
        f"traces cover the contracted {retention_days} days without a gap over {max_gap_hours:g} h",
        resource,
        evidence,
    )
