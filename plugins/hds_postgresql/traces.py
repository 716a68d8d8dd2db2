"""Trace source of a PostgreSQL target: its server log files (csvlog or jsonlog), filtered to
the tenant's databases.

Kept as accesses: `connection authorized` lines (`log_connections = on`), failed authentications
(FATAL 28P01/28000), and pgaudit `AUDIT:` lines (session or object audit: class, command, object).
A csvlog record may span several lines (a quoted message with newlines): the csv reader joins
them, each physical line bounded, each field bounded. Timestamps must be logged in UTC or with a
numeric offset (`log_timezone = 'UTC'`): a zone abbreviation cannot be read without guessing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from controlplane.traces.files import file_lines, log_files
from controlplane.traces.record import ActorKind, ReadStats, TraceRecord, TraceWindow, clean
from hds_postgresql.trace_config import PostgresTraceLogs

CSV_COLUMNS = 26  # PostgreSQL 14 to 16; 13 writes 23 (no backend_type, leader_pid, query_id)
_AUTHORIZED = re.compile(r"^connection authorized: user=\S+ database=\S+")
_AUDIT = re.compile(r"^AUDIT: (?:SESSION|OBJECT),\d+,\d+,([A-Z ]+),([^,]*),([^,]*),([^,]*)")


class Malformed(ValueError):
    pass


def parse_time(text: str) -> datetime:
    """`2026-12-04 18:50:01.123 UTC` (csvlog) or `2026-12-04 18:50:01.123 +01` / `...Z`."""
    value = text.strip()
    for suffix in (" UTC", " GMT", "Z"):
        if value.endswith(suffix):
            return datetime.fromisoformat(value[: -len(suffix)]).replace(tzinfo=UTC)
    head, _, zone = value.rpartition(" ")
    if zone[:1] in "+-" and zone[1:].replace(":", "").isdigit():
        digits = zone[1:].replace(":", "")
        zone = f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"
        return datetime.fromisoformat(f"{head}{zone}").astimezone(UTC)
    raise Malformed(f"time zone {zone!r} is not UTC or a numeric offset")


def _access(severity: str, state: str, message: str) -> tuple[str, str, str] | None:
    """(action, object, result) when the line is an access, else None."""
    if _AUTHORIZED.match(message):
        return "connect", "", "success"
    if severity == "FATAL" and state in ("28P01", "28000"):
        return "connect", "", f"failed {state}"
    found = _AUDIT.match(message)
    if found:
        klass, command, _kind, obj = found.groups()
        return f"{klass} {command}".strip(), obj, "success"
    return None


def _record(
    fields: dict[str, str], target: str, databases: frozenset[str], where: str, stats: ReadStats
) -> TraceRecord | None:
    database = fields["database"]
    access = _access(fields["severity"], fields["state"], fields["message"])
    if access is None:
        return None
    if database not in databases:
        stats.out_of_scope += 1
        return None
    action, obj, result = access
    user = fields["user"]
    host = (
        fields["remote"].rsplit(":", 1)[0]
        if fields["remote"] and not fields["remote"].startswith("[")
        else fields["remote"]
    )
    return TraceRecord(
        when=fields["when"],  # type: ignore[arg-type]
        actor=clean(user or "unknown"),
        resource=clean(f"postgresql://{target}/{database}/{obj}"),
        action=clean(action),
        result=clean(result),
        source=clean(where),
        source_address=clean(host, 64),
        actor_kind=ActorKind.service if user in ("postgres", "replication") else ActorKind.unknown,
    )


def _csv_rows(lines: Iterable[tuple[int, bytes | None]], stats: ReadStats, max_field: int) -> Iterator[list[str]]:
    """csv records from bounded physical lines; an oversized line ends the record it is in."""

    def text() -> Iterator[str]:
        for _number, line in lines:
            if line is not None:
                yield line.decode("utf-8", "replace") + "\n"

    csv.field_size_limit(max_field)
    reader = csv.reader(text())
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            stats.malformed += 1
            continue
        yield row


def csvlog_records(
    lines: Iterable[tuple[int, bytes | None]],
    target: str,
    databases: frozenset[str],
    where: str,
    stats: ReadStats,
    max_field: int,
) -> Iterator[TraceRecord]:
    for n, row in enumerate(_csv_rows(lines, stats, max_field), 1):
        if len(row) < 23:
            stats.malformed += 1
            continue
        try:
            fields = {
                "when": parse_time(row[0]),
                "user": row[1],
                "database": row[2],
                "remote": row[4],
                "severity": row[11],
                "state": row[12],
                "message": row[13],
            }
        except ValueError:
            stats.malformed += 1
            continue
        record = _record(fields, target, databases, f"{where}#{n}", stats)  # type: ignore[arg-type]
        if record is not None:
            yield record


def jsonlog_records(
    lines: Iterable[tuple[int, bytes | None]], target: str, databases: frozenset[str], where: str, stats: ReadStats
) -> Iterator[TraceRecord]:
    for number, line in lines:
        if line is None or not line.strip():
            continue
        try:
            doc: dict[str, Any] = json.loads(line)
            host = str(doc.get("remote_host") or "")
            fields = {
                "when": parse_time(str(doc["timestamp"])),
                "user": str(doc.get("user") or ""),
                "database": str(doc.get("dbname") or ""),
                "remote": f"{host}:{doc['remote_port']}" if host and doc.get("remote_port") else host,
                "severity": str(doc.get("error_severity") or ""),
                "state": str(doc.get("state_code") or ""),
                "message": str(doc.get("message") or ""),
            }
        except (ValueError, KeyError, TypeError, AttributeError):
            stats.malformed += 1
            continue
        record = _record(fields, target, databases, f"{where}:{number}", stats)  # type: ignore[arg-type]
        if record is not None:
            yield record


class PostgresLogSource:
    def __init__(self, target_name: str, settings: PostgresTraceLogs) -> None:
        self.settings = settings
        self.target = target_name
        self.databases = frozenset(settings.databases)
        self.name = f"postgresql {settings.format} of {target_name} ({', '.join(settings.files)})"
        self.scopes = tuple(f"postgresql://{target_name}/{db}/" for db in sorted(self.databases))

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        s = self.settings
        max_total = int(s.max_file_mb * 1024 * 1024)
        for path in log_files(s.files, window.since):
            lines = file_lines(path, s.max_line_bytes, max_total, stats)
            if s.format == "csvlog":
                yield from csvlog_records(lines, self.target, self.databases, str(path), stats, s.max_line_bytes)
            else:
                yield from jsonlog_records(lines, self.target, self.databases, str(path), stats)
