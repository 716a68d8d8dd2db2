"""One access to a tenant's data, as every trace source is normalised to, and what a source is.

A source yields records one at a time (an iterator): a year of access logs for a large tenant
must never be held in memory. Every field comes from a log line, hence from whoever could write
to the logged service: `clean` makes each one a bounded, printable string before it goes anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

MAX_FIELD = 2048
"""Longest field kept from a log line (an object key may be 1024 bytes, a URI longer); past it the
field is cut and marked, so a hostile line cannot inflate an export."""


class ActorKind(StrEnum):
    staff = "staff"
    """A principal the host-staff directory names: the accesses EXI 15 lets the client see."""
    client = "client"
    """A principal the tenant declares as its own (`client_principals`)."""
    service = "service"
    """An automated principal: the directory's services, or one the source marks (system:...)."""
    unknown = "unknown"
    """Nobody the fleet file names: shown as such, never guessed."""


def clean(text: str | None, limit: int = MAX_FIELD) -> str:
    """A field from a log, safe for a terminal, a CSV cell or a log line: control characters
    escaped (a newline cannot forge a row), length bounded."""
    if not text:
        return ""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One access. `when` is timezone-aware (UTC); `resource` starts with one of the source's
    scopes (e.g. ``s3://bucket/``), which is how the core keeps another tenant's lines out."""

    when: datetime
    actor: str
    resource: str
    action: str
    result: str
    source: str
    """Where the line came from (log object or file, and line number), for the auditor to find it."""
    source_address: str = ""
    actor_kind: ActorKind = ActorKind.unknown
    staff: str = ""
    """The staff member's name in the directory (staff only)."""
    team: str = ""
    country: str = ""
    """ISO 3166 alpha-2 country of the access, when known (directory or network table)."""
    outside_eea: bool = False
    """A staff access from a known country outside the EEA (EXI 29): flagged in every export."""


@dataclass(slots=True)
class ReadStats:
    """What a source saw besides the records it yielded: every skipped line is counted, never
    silently lost, and the counts go into the sealed export."""

    lines: int = 0
    malformed: int = 0
    oversized: int = 0
    out_of_scope: int = 0
    """Lines about resources that are not this tenant's (a shared log bucket or audit file)."""
    unreadable: list[str] = field(default_factory=list)
    """Log objects or files that could not be read, with the reason (bounded list)."""

    def add_unreadable(self, what: str) -> None:
        if len(self.unreadable) < 100:
            self.unreadable.append(clean(what, 300))


@dataclass(frozen=True, slots=True)
class TraceWindow:
    since: datetime | None = None
    until: datetime | None = None

    def __contains__(self, when: datetime) -> bool:
        return (self.since is None or when >= self.since) and (self.until is None or when < self.until)


@runtime_checkable
class TraceSource(Protocol):
    """A place where accesses to one tenant's data are logged, built by a plugin through the
    `hds_trace_sources` hook for one of the tenant's targets."""

    name: str
    """Shown in the export's seal and in control evidence (no credential)."""
    scopes: tuple[str, ...]
    """Resource prefixes that are this tenant's: a record outside them is dropped and counted."""

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        """Yield the tenant's accesses in the window, in the source's own order, skipping (and
        counting in `stats`) malformed, oversized and other tenants' lines; raise `OSError` or
        `RuntimeError` only when the source as a whole cannot be read."""
        ...
