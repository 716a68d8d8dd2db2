"""Trace sources of an S3 target (`hdsctl traces`): server access logs and CloudTrail data events.

Where the logs are: `trace_logs` on the target, else each tenant bucket's logging configuration.
A log bucket is often shared by several tenants (one prefix each, or even one prefix for all):
every line names its bucket, and only lines about this tenant's buckets are kept — the others are
counted as out of scope, never yielded. Log objects are streamed line by line, bounded in line
length and object size; a log object whose last write is before `--since` is not read at all.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from controlplane.plugin_types import TenantView
from controlplane.traces.lines import TooLarge, bounded_lines
from controlplane.traces.record import ActorKind, ReadStats, TraceRecord, TraceWindow, clean
from hds_s3.access_log import Malformed, parse_line
from hds_s3.target import S3Target
from hds_s3.trace_config import LogLocation, TraceLogs

_DEFAULTS = TraceLogs()


def _service(requester: str) -> bool:
    """Principals AWS itself uses (log delivery, replication, service-linked roles)."""
    return requester.startswith("svc:") or "AWSServiceRole" in requester or requester.endswith(".amazonaws.com")


def _bucket_names(s3: Any) -> list[str]:
    """Every bucket the credentials list (the collector's listing; not imported: no import cycle)."""
    names: list[str] = []
    kwargs: dict[str, str] = {}
    while True:
        page = s3.list_buckets(**kwargs)
        names.extend(b["Name"] for b in page.get("Buckets", []))
        if not page.get("ContinuationToken"):
            return names
        kwargs = {"ContinuationToken": page["ContinuationToken"]}


@dataclass
class _Reader:
    """Lists and streams log objects with the target's clients (boto3 loads on first use)."""

    target: S3Target
    timeout_s: float
    settings: TraceLogs

    def __post_init__(self) -> None:
        self._clients: Any = None

    def s3(self) -> Any:
        if self._clients is None:
            from hds_s3.client import TargetClients

            self._clients = TargetClients(self.target, self.timeout_s)
        return self._clients("s3")

    def objects(self, where: LogLocation, since: datetime | None) -> Iterator[tuple[str, datetime]]:
        paginator = self.s3().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=where.bucket, Prefix=where.prefix):
            for obj in page.get("Contents", []):
                modified = obj["LastModified"]
                if since is not None and modified < since:
                    continue  # written before the window opened: holds only older accesses
                yield obj["Key"], modified

    def body(self, bucket: str, key: str) -> Any:
        answer = self.s3().get_object(Bucket=bucket, Key=key)
        body = answer["Body"]
        if key.endswith(".gz"):
            return gzip.GzipFile(fileobj=body, mode="rb")
        return body

    def tenant_buckets(self) -> list[str]:
        names = [b.name for b in self.target.buckets]
        if self.target.discover is not None and self.target.discover.prefix:
            prefix = self.target.discover.prefix
            names += sorted(n for n in _bucket_names(self.s3()) if n.startswith(prefix) and n not in names)
        return names

    def logging_locations(self, buckets: Iterable[str]) -> list[LogLocation]:
        """Each bucket's own logging target, deduplicated (several buckets often share one)."""
        seen: dict[tuple[str, str], LogLocation] = {}
        for name in buckets:
            enabled = self.s3().get_bucket_logging(Bucket=name).get("LoggingEnabled") or {}
            if enabled.get("TargetBucket"):
                loc = LogLocation(bucket=enabled["TargetBucket"], prefix=enabled.get("TargetPrefix") or "")
                seen.setdefault((loc.bucket, loc.prefix), loc)
        return list(seen.values())


class S3AccessLogSource:
    """Server access logs of one S3 target's buckets."""

    def __init__(self, target: S3Target, timeout_s: float) -> None:
        self.target = target
        self.settings = target.trace_logs or _DEFAULTS
        self._reader = _Reader(target, timeout_s, self.settings)
        locations = self.settings.access_logs
        where = ", ".join(f"s3://{loc.bucket}/{loc.prefix}" for loc in locations) if locations else "bucket logging"
        self.name = f"s3 access logs of {target.name} ({where})"
        self.scopes = tuple(f"s3://{b.name}/" for b in target.buckets) + (
            (f"s3://{target.discover.prefix}",) if target.discover is not None and target.discover.prefix else ()
        )

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        buckets = frozenset(self._reader.tenant_buckets())
        locations = self.settings.access_logs or self._reader.logging_locations(sorted(buckets))
        max_line = self.settings.max_line_bytes
        max_total = int(self.settings.max_object_mb * 1024 * 1024)
        for loc in locations:
            for key, _modified in self._reader.objects(loc, window.since):
                where = f"s3://{loc.bucket}/{key}"
                try:
                    body = self._reader.body(loc.bucket, key)
                    yield from _records(bounded_lines(body.read, max_line, max_total), buckets, where, stats)
                except (TooLarge, OSError, EOFError) as exc:
                    stats.add_unreadable(f"{where}: {exc}")


def _records(
    lines: Iterable[bytes | None], buckets: frozenset[str], where: str, stats: ReadStats
) -> Iterator[TraceRecord]:
    """The records of one log object: the tenant's lines only, each field cleaned."""
    number = 0
    for line in lines:
        number += 1
        stats.lines += 1
        if line is None:
            stats.oversized += 1
            continue
        if not line.strip():
            continue
        try:
            a = parse_line(line)
        except Malformed:
            stats.malformed += 1
            continue
        if a.bucket not in buckets:
            stats.out_of_scope += 1
            continue
        requester = a.requester or "anonymous"
        yield TraceRecord(
            when=a.when,
            actor=clean(requester),
            resource=clean(f"s3://{a.bucket}/{a.key}"),
            action=clean(a.operation),
            result=clean(f"{a.status} {a.error_code}" if a.error_code else a.status),
            source=clean(f"{where}:{number}"),
            source_address=clean(a.remote_ip, 64),
            actor_kind=ActorKind.service if _service(requester) else ActorKind.unknown,
        )


def access_records(
    lines: Iterable[bytes | None], buckets: Iterable[str], where: str, stats: ReadStats
) -> Iterator[TraceRecord]:
    """Parse lines already read (a file on disk, a benchmark): the same path as an S3 log object."""
    return _records(lines, frozenset(buckets), where, stats)


class CloudTrailSource:
    """CloudTrail data-event files (`{"Records": [...]}`, JSON or JSON.gz) of the target's trail."""

    def __init__(self, target: S3Target, timeout_s: float) -> None:
        self.settings = target.trace_logs or _DEFAULTS
        self._reader = _Reader(target, timeout_s, self.settings)
        where = ", ".join(f"s3://{loc.bucket}/{loc.prefix}" for loc in self.settings.cloudtrail)
        self.name = f"cloudtrail data events of {target.name} ({where})"
        self.scopes = tuple(f"s3://{b.name}/" for b in target.buckets) + (
            (f"s3://{target.discover.prefix}",) if target.discover is not None and target.discover.prefix else ()
        )

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        buckets = frozenset(self._reader.tenant_buckets())
        max_total = int(self.settings.max_object_mb * 1024 * 1024)
        for loc in self.settings.cloudtrail:
            for key, _modified in self._reader.objects(loc, window.since):
                where = f"s3://{loc.bucket}/{key}"
                try:
                    body = self._reader.body(loc.bucket, key)
                    data = body.read(max_total + 1)
                    if len(data) > max_total:
                        raise TooLarge(f"more than {max_total} bytes")
                    doc = json.loads(data)
                except (TooLarge, OSError, EOFError, ValueError) as exc:
                    stats.add_unreadable(f"{where}: {type(exc).__name__}")
                    continue
                yield from cloudtrail_records(doc, buckets, where, stats)


def _when(text: Any) -> datetime:
    when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cloudtrail_records(doc: Any, buckets: frozenset[str], where: str, stats: ReadStats) -> Iterator[TraceRecord]:
    events = doc.get("Records") if isinstance(doc, dict) else None
    if not isinstance(events, list):
        stats.malformed += 1
        return
    for number, event in enumerate(events, 1):
        stats.lines += 1
        try:
            params = event.get("requestParameters") or {}
            bucket = str(params.get("bucketName") or "")
            ident = event.get("userIdentity") or {}
            actor = str(ident.get("arn") or ident.get("principalId") or ident.get("invokedBy") or "anonymous")
            when = _when(event["eventTime"])
            error = event.get("errorCode")
        except (AttributeError, KeyError, TypeError, ValueError):
            stats.malformed += 1
            continue
        if bucket not in buckets:
            stats.out_of_scope += 1
            continue
        yield TraceRecord(
            when=when,
            actor=clean(actor),
            resource=clean(f"s3://{bucket}/{params.get('key') or ''}"),
            action=clean(str(event.get("eventName") or "")),
            result=clean(str(error) if error else "success"),
            source=clean(f"{where}#{number}"),
            source_address=clean(str(event.get("sourceIPAddress") or ""), 64),
            actor_kind=ActorKind.service if ident.get("type") == "AWSService" else ActorKind.unknown,
        )


def trace_sources(tenant: TenantView, target: S3Target, timeout_s: float) -> list[Any]:
    sources: list[Any] = [S3AccessLogSource(target, timeout_s)]
    if target.trace_logs is not None and target.trace_logs.cloudtrail:
        sources.append(CloudTrailSource(target, timeout_s))
    return sources


def trace_locations(target: S3Target, logging: Iterable[Any]) -> list[LogLocation]:
    """Where the target's traces are: its `trace_logs`, else the logging targets its buckets
    declare (`logging`: the buckets' LoggingEnabled values), deduplicated."""
    settings = target.trace_logs or _DEFAULTS
    found: dict[tuple[str, str], LogLocation] = {}
    if settings.access_logs:
        found.update(((loc.bucket, loc.prefix), loc) for loc in settings.access_logs)
    else:
        for enabled in logging:
            if isinstance(enabled, dict) and enabled.get("TargetBucket"):
                loc = LogLocation(bucket=enabled["TargetBucket"], prefix=enabled.get("TargetPrefix") or "")
                found.setdefault((loc.bucket, loc.prefix), loc)
    found.update(((loc.bucket, loc.prefix), loc) for loc in settings.cloudtrail)
    return list(found.values())


_ACCESS_KEY_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[^/]*$")
_TRAIL_KEY_TIME = re.compile(r"_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$")


def written_at(key: str, modified: datetime) -> datetime:
    """When a log object was delivered: the time its key carries (server access logs:
    `PREFIXYYYY-mm-DD-HH-MM-SS-ID`; CloudTrail: `..._YYYYMMDDTHHmmZ_...`), never later than its
    LastModified (a key cannot make a log look fresher than its write)."""
    found = _ACCESS_KEY_TIME.search(key) or _TRAIL_KEY_TIME.search(key)
    if found is None:
        return modified
    try:
        named = datetime(*(int(g) for g in found.groups()), tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return modified
    return min(named, modified)


def trace_inventory(s3: Any, locations: list[LogLocation], now: datetime, retention_days: int) -> dict[str, Any]:
    """When each log object was written (LastModified, from listings: no log content is read),
    summarised for the freshness and coverage checks. A shared prefix also counts other tenants'
    deliveries: give each tenant its own prefix for an exact answer."""
    from controlplane.traces.coverage import summarise
    from hds_s3.client import classify

    stamps: list[datetime] = []
    problems: list[str] = []
    for loc in locations:
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=loc.bucket, Prefix=loc.prefix):
                stamps.extend(written_at(obj["Key"], obj["LastModified"]) for obj in page.get("Contents", []))
        except Exception as exc:  # an API failure is this summary's problem, not the collection's
            problems.append(f"s3://{loc.bucket}/{loc.prefix}: {classify(exc).reason or type(exc).__name__}")
    sources = [f"s3://{loc.bucket}/{loc.prefix}" for loc in locations]
    return summarise(stamps, now, retention_days, sources, problems)
