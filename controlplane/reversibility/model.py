"""What plugins hand the reversibility commands, and what they hand back: an export request and
its outcome (the inventory), a destruction inspection and what remains."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from controlplane.plugin_types import TenantView


class ItemState(StrEnum):
    """How one exported item compares with the live one."""

    ok = "ok"
    missing = "missing"
    """Live, but absent from the export (deleted meanwhile, or never written)."""
    mismatch = "mismatch"
    """Exported, but its size, row count or provider checksum differs from the live one."""
    unreadable = "unreadable"
    """Live, but the export could not read it (denied, an error, a bound reached)."""


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """One object, table or dump of the export, with what the live side says about it."""

    kind: str
    """`object`, `table`, `dump`."""
    location: str
    """Where it lives, in the provider's words: `bucket/key`, `database.schema.table`."""
    path: str
    """Where the export wrote it, relative to the destination ("" when nothing was written)."""
    size: int | None
    sha256: str | None
    state: ItemState
    detail: str = ""
    live_size: int | None = None
    rows: int | None = None
    live_rows: int | None = None
    checksums: dict[str, str] = field(default_factory=dict)
    """Provider checksums compared (e.g. `etag-md5`, `sha256`), when the provider gave them."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "location": self.location,
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "state": str(self.state),
        }
        for name in ("detail", "live_size", "rows", "live_rows"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        if self.checksums:
            out["checksums"] = dict(self.checksums)
        return out


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One target's export: where to write, how much, by when."""

    tenant: TenantView
    target_name: str
    dest: Path
    """An empty directory reserved for this target."""
    sample: int | None
    """Export at most this many items of this target (None: everything)."""
    deadline: float
    """time.monotonic() by which the export stops (items left are `unreadable`, named)."""
    max_bytes: int
    """Most bytes this target may write; past it the export stops and says so."""
    seed: int = 0
    """Seeds the sample's draw, recorded with the evidence so a draw can be replayed."""

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """What one target's export found and wrote."""

    target: str
    items: tuple[InventoryItem, ...]
    live_items: int
    """Items the live inventory lists (objects, tables), exported or not (sampling)."""
    live_bytes: int
    """Bytes the live inventory lists (objects' sizes; tables' on-disk size, an estimate)."""
    exported_bytes: int
    seconds: float
    notes: tuple[str, ...] = ()
    """What the reader must know (a sample, an estimate, a checksum the provider does not give)."""
    error: str = ""
    """Set when the target could not be exported at all: the test fails and names it."""


@dataclass(frozen=True, slots=True)
class Remain:
    """Something of the tenant still present after its destruction."""

    kind: str
    """`bucket`, `object-version`, `delete-marker`, `replica`, `backup-artefact`, `scratch-database`,
    `scratch-directory`, `database`."""
    location: str
    detail: str = ""
    retain_until: str | None = None
    """Object Lock retain-until date: it cannot be destroyed before (listed, still a remain)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "location": self.location}
        if self.detail:
            out["detail"] = self.detail
        if self.retain_until:
            out["retain_until"] = self.retain_until
        return out


@dataclass(frozen=True, slots=True)
class Inspection:
    """One target's destruction check: what remains, and what was looked at."""

    target: str
    remains: tuple[Remain, ...]
    checked: tuple[str, ...]
    """What was verified absent (bucket names, prefixes, servers), for the record."""
    error: str = ""
    """Set when the target could not be inspected: the check cannot say `destroyed`."""


Exporter = Callable[[Any, ExportRequest], ExportOutcome]
Inspector = Callable[[Any, TenantView, float], Inspection]
"""`inspect(target, tenant, deadline)`."""


@dataclass(frozen=True, slots=True)
class Reversibility:
    """A plugin's part in reversibility for one target kind: how to export a target of that kind
    (`export`) and how to verify nothing of it remains (`inspect`); either may be None."""

    target_kind: str
    export: Exporter | None = None
    inspect: Inspector | None = None
    plugin: str = field(default="", compare=False)
