"""Flow and coverage of traces, judged from the times trace units were written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controlplane.results import Status
from controlplane.traces.coverage import judge_coverage, judge_fresh, summarise

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _hourly(days: int, skip: tuple[int, int] | None = None) -> list[datetime]:
    stamps = [NOW - timedelta(hours=h) for h in range(1, days * 24)]
    if skip:
        stamps = [s for s in stamps if not (NOW - timedelta(hours=skip[1]) < s < NOW - timedelta(hours=skip[0]))]
    return stamps


def test_a_year_of_hourly_logs_is_fresh_and_covers_365_days():
    summary = summarise(_hourly(366), NOW, 365, ["s3://logs/"], [])
    assert judge_fresh(summary, NOW, 24, "t").status is Status.passed
    assert judge_coverage(summary, 365, 48, "t").status is Status.passed


def test_a_three_day_hole_is_a_gap():
    summary = summarise(_hourly(366, skip=(100, 172)), NOW, 365, [], [])
    finding = judge_coverage(summary, 365, 48, "t")
    assert finding.status is Status.failed and "gap in the traces" in finding.message
    assert 70 < finding.evidence["longest_gap_hours"] < 74


def test_a_hole_before_the_retention_window_does_not_count():
    stamps = [NOW - timedelta(days=400), *(_hourly(366))]
    assert judge_coverage(summarise(stamps, NOW, 30, [], []), 30, 48, "t").status is Status.passed


def test_logs_reaching_back_only_200_days_fail_a_365_day_contract():
    finding = judge_coverage(summarise(_hourly(200), NOW, 365, [], []), 365, 48, "t")
    assert finding.status is Status.failed and "short of the contracted 365 days" in finding.message


def test_stopped_logs_fail_freshness_and_a_listing_problem_is_an_error():
    summary = summarise([NOW - timedelta(hours=30)], NOW, 365, [], [])
    assert judge_fresh(summary, NOW, 24, "t").status is Status.failed
    broken = summarise([], NOW, 365, [], ["s3://logs/: AccessDenied"])
    assert judge_fresh(broken, NOW, 24, "t").status is Status.error
    assert judge_coverage(broken, 365, 48, "t").status is Status.error
