"""The one clock governance reads. Expiry is a question of dates, and tests (and an auditor
replaying "what did the register say on 1 March?") move the clock with HDS_NOW rather than wait."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

from controlplane.errors import InputError

NOW_ENV = "HDS_NOW"


def parse_instant(text: str, file: str, field: str) -> datetime:
    """An ISO date (`2026-12-31`, read as the end of that day, UTC) or date-time; naive means UTC."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError.single(file, field, f"{text!r} is not an ISO date (YYYY-MM-DD) or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now() -> datetime:
    """Now, in UTC; HDS_NOW (an ISO date or date-time) overrides it."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        value = fixed.strip()
        if len(value) == 10:  # a bare date is its start here: "on that day"
            return datetime.combine(date.fromisoformat(value), time(0, 0), UTC)
        return parse_instant(value, NOW_ENV, "")
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def days_between(start: datetime, end: datetime) -> int:
    """Whole days from `start` to `end` (negative when `end` is past)."""
    return (end - start) // timedelta(days=1)
