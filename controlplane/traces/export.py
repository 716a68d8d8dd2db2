"""`hdsctl traces`: one tenant's accesses from every trace source its targets declare, filtered,
classified, written in one pass and sealed.

Isolation is enforced twice: each plugin's source keeps only the tenant's resources of a shared
log, and the core drops (and counts) any record whose resource is outside the scopes the source
declared for this tenant. Nothing of another tenant is ever read into this export's targets: the
sources are built from this tenant's targets only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.config.loader import Fleet, Tenant
from controlplane.errors import InputError
from controlplane.traces.record import ActorKind, ReadStats, TraceRecord, TraceSource, TraceWindow
from controlplane.traces.seal import write_seal
from controlplane.traces.staff import Classifier
from controlplane.traces.writers import WRITERS


@dataclass(frozen=True)
class BoundSource:
    """A source with the target it came from, for the seal and the messages."""

    target_kind: str
    target_name: str
    source: TraceSource


def tenant_sources(pm: Any, tenant: Tenant, timeout_s: float = 30.0) -> list[BoundSource]:
    """Every trace source the tenant's targets declare, asked of each plugin through the hook."""
    found: list[BoundSource] = []
    view = tenant.view()
    for kind, targets in sorted(tenant.targets.items()):
        for target in targets:
            try:
                answers = pm.hook.hds_trace_sources(tenant=view, target_kind=kind, target=target, timeout_s=timeout_s)
            except Exception as exc:  # a broken plugin: said plainly, nothing written
                from controlplane.errors import _printable

                reason = _printable(f"{type(exc).__name__}: {exc}")[:300]
                raise InputError.single(f"targets.{kind}", target.name, f"no trace source: {reason}") from None  # type: ignore[attr-defined]
            for sources in answers:
                found.extend(BoundSource(kind, target.name, s) for s in sources or ())  # type: ignore[attr-defined]
    return found


@dataclass
class SourceOutcome:
    name: str
    target: str
    records: int = 0
    stats: ReadStats = field(default_factory=ReadStats)
    error: str = ""

    def facts(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "records": self.records,
            "error": self.error,
            **asdict(self.stats),
        }


@dataclass
class ExportOutcome:
    path: Path
    seal: Path
    records: int
    flagged: int
    by_kind: dict[str, int]
    sources: list[SourceOutcome]

    @property
    def complete(self) -> bool:
        return all(not s.error for s in self.sources)


def _records(
    bound: BoundSource, outcome: SourceOutcome, window: TraceWindow, classifier: Classifier, kinds: frozenset[str]
) -> Iterator[TraceRecord]:
    scopes = bound.source.scopes
    try:
        for record in bound.source.read(window, outcome.stats):
            if not scopes or not record.resource.startswith(scopes):
                outcome.stats.out_of_scope += 1  # a plugin's filter let another tenant's line through
                continue
            if record.when not in window:
                continue
            record = classifier.classify(record)
            if record.actor_kind in kinds:
                outcome.records += 1
                yield record
    except Exception as exc:  # a broken or hostile source ends this source, never the export
        from controlplane.errors import _printable

        outcome.error = _printable(f"{type(exc).__name__}: {exc}")[:300]


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_traces(
    fleet: Fleet,
    tenant: Tenant,
    sources: list[BoundSource],
    out: Path,
    fmt: str,
    key: Ed25519PrivateKey,
    window: TraceWindow | None = None,
    actor_kinds: tuple[ActorKind, ...] = (),
    now: datetime | None = None,
) -> ExportOutcome:
    """Write the export to `out` (through a temporary file in the same directory: a failed export
    leaves nothing behind) and its seal to `out`.seal.json."""
    if fmt not in WRITERS:
        raise InputError.single("--format", "", f"unknown format {fmt!r} (csv, json, html)")
    if not out.parent.is_dir():
        raise InputError.single("-o", "", f"directory {out.parent} does not exist")
    window = window or TraceWindow()
    classifier = Classifier(fleet.staff_directory, tenant.client_principals)
    kinds = frozenset(actor_kinds or tuple(ActorKind))
    outcomes: list[SourceOutcome] = []
    by_kind = dict.fromkeys((str(k) for k in ActorKind), 0)
    flagged = count = 0
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as raw:
            fh: BinaryIO = raw
            writer = WRITERS[fmt](fh, f"Traces d'accès — {tenant.name} ({tenant.id})")
            for bound in sources:
                outcome = SourceOutcome(bound.source.name, f"{bound.target_kind}/{bound.target_name}")
                outcomes.append(outcome)
                for record in _records(bound, outcome, window, classifier, kinds):
                    writer.write(record)
                    count += 1
                    by_kind[record.actor_kind] += 1
                    flagged += record.outside_eea
            writer.close()
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    from controlplane.traces.seal import file_sha256

    facts = {
        "tenant": tenant.id,
        "file": out.name,
        "file_format": fmt,
        "sha256": file_sha256(out),
        "bytes": out.stat().st_size,
        "records": count,
        "by_actor_kind": by_kind,
        "outside_eea_staff_accesses": flagged,
        "since": _utc(window.since),
        "until": _utc(window.until),
        "actor_kinds": sorted(str(k) for k in kinds),
        "sources": [o.facts() for o in outcomes],
        "complete": all(not o.error for o in outcomes),
        "created_at": _utc(now or datetime.now(UTC)),
    }
    seal = write_seal(out, facts, key)
    return ExportOutcome(out, seal, count, flagged, by_kind, outcomes)
