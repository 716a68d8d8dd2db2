"""Trace source of a Kubernetes target: audit events in the tenant's namespaces.

One audit file holds every tenant of the cluster: an event is kept only when its `objectRef`
names one of this tenant's namespaces; events of other namespaces or cluster-scoped ones are
counted out of scope. Only the final stage of a request (`ResponseComplete`, or `Panic`) is kept,
so one request is one access. `system:` users (nodes, controllers, service accounts) are services.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from controlplane.traces.files import file_lines, log_files
from controlplane.traces.record import ActorKind, ReadStats, TraceRecord, TraceWindow, clean
from hds_kubernetes.target import KubernetesTarget

FINAL_STAGES = frozenset({"ResponseComplete", "Panic"})


def _when(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def audit_records(
    lines: Iterable[tuple[int, bytes | None]], cluster: str, namespaces: frozenset[str], where: str, stats: ReadStats
) -> Iterator[TraceRecord]:
    for number, line in lines:
        if line is None or not line.strip():
            continue
        try:
            event = json.loads(line)
            if event.get("kind") != "Event" or not str(event.get("apiVersion", "")).startswith("audit.k8s.io/"):
                raise ValueError("not an audit event")
            ref = event.get("objectRef") or {}
            namespace = ref.get("namespace")
            stage = event.get("stage")
            when = _when(str(event.get("stageTimestamp") or event["requestReceivedTimestamp"]))
            user = event.get("user") or {}
            username = str(user.get("username") or "anonymous")
            ips = event.get("sourceIPs") or [""]
            code = (event.get("responseStatus") or {}).get("code")
        except (ValueError, KeyError, TypeError, AttributeError):
            stats.malformed += 1
            continue
        if namespace not in namespaces:
            stats.out_of_scope += 1
            continue
        if stage not in FINAL_STAGES:
            continue
        path = "/".join(str(p) for p in (ref.get("resource"), ref.get("name"), ref.get("subresource")) if p)
        yield TraceRecord(
            when=when,
            actor=clean(username),
            resource=clean(f"k8s://{cluster}/{namespace}/{path}"),
            action=clean(str(event.get("verb") or "")),
            result=clean(str(code) if code is not None else str(stage)),
            source=clean(f"{where}:{number}"),
            source_address=clean(str(ips[0]), 64),
            actor_kind=ActorKind.service if username.startswith("system:") else ActorKind.unknown,
        )


class KubernetesAuditSource:
    def __init__(self, target: KubernetesTarget) -> None:
        assert target.trace_logs is not None
        self.settings = target.trace_logs
        self.cluster = target.name
        self.namespaces = frozenset(target.namespaces.names)
        self.name = f"kubernetes audit logs of {target.name} ({', '.join(self.settings.audit_files)})"
        self.scopes = tuple(f"k8s://{target.name}/{ns}/" for ns in sorted(self.namespaces))

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        max_total = int(self.settings.max_file_mb * 1024 * 1024)
        for path in log_files(self.settings.audit_files, window.since):
            lines = file_lines(path, self.settings.max_line_bytes, max_total, stats)
            yield from audit_records(lines, self.cluster, self.namespaces, str(path), stats)


def trace_sources(target: KubernetesTarget) -> list[Any]:
    return [] if target.trace_logs is None else [KubernetesAuditSource(target)]
