"""How long a log bucket's lifecycle keeps the access logs written under a prefix.

Two figures, because the contract bounds retention on both sides (CNIL: 6 months to 1 year):
- *earliest deletion*: the shortest expiration of any enabled rule that may touch the logs (a
  rule narrowed by prefix or size still deletes some of them); a fixed-date expiration counts
  as deleting logs of any age;
- *latest deletion*: the age by which a rule covering *all* the logs deletes them for good. On a
  versioned bucket expiring a log only hides it behind a delete marker, so the noncurrent-version
  expiration is added; without one, logs are never really deleted.
Rules filtered on tags never touch access logs (S3 writes them untagged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LogRetention:
    earliest_days: int | None
    """None: no rule ever deletes the logs."""
    latest_days: int | None
    """None: the logs are kept indefinitely."""
    rules: list[str] = field(default_factory=list)
    """IDs of the enabled rules that touch the logs."""


def _filter(rule: dict[str, Any]) -> tuple[str, bool, bool]:
    """(prefix, has tag condition, has size condition) of a rule, old and new syntax."""
    f = rule.get("Filter")
    if f is None:
        return str(rule.get("Prefix", "")), False, False
    conditions = f.get("And", f)
    tags = bool(conditions.get("Tag") or conditions.get("Tags"))
    size = "ObjectSizeGreaterThan" in conditions or "ObjectSizeLessThan" in conditions
    return str(conditions.get("Prefix", "")), tags, size


def log_retention(rules: list[dict[str, Any]], log_prefix: str, versioned: bool) -> LogRetention:
    earliest: int | None = None
    expirations: list[int] = []
    noncurrent: list[int] = []
    touching: list[str] = []
    for i, rule in enumerate(rules):
        if rule.get("Status") != "Enabled":
            continue
        prefix, tags, size = _filter(rule)
        if tags or not (log_prefix.startswith(prefix) or prefix.startswith(log_prefix)):
            continue
        expiration = rule.get("Expiration") or {}
        days = 0 if expiration.get("Date") else expiration.get("Days")
        after_noncurrent = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
        if days is None and after_noncurrent is None:
            continue
        touching.append(str(rule.get("ID") or f"rule {i + 1}"))
        if days is not None:
            earliest = int(days) if earliest is None else min(earliest, int(days))
        if log_prefix.startswith(prefix) and not size:
            if days is not None:
                expirations.append(int(days))
            if after_noncurrent is not None:
                noncurrent.append(int(after_noncurrent))
    latest: int | None = min(expirations) if expirations else None
    if versioned and latest is not None:
        latest = latest + min(noncurrent) if noncurrent else None
    return LogRetention(earliest, latest, touching)
