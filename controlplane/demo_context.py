"""What `hdsctl demo` hands to plugins so each can add its own local endpoints."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Profile = Literal["compliant", "partial", "noncompliant"]


@dataclass(frozen=True)
class DemoTenant:
    id: str
    name: str
    profile: Profile


@dataclass
class DemoContext:
    workdir: Path
    stack: ExitStack
    tenants: list[DemoTenant]
    targets: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """Environment variables the demo's credential references need (e.g. local S3 keys)."""
    staff_directory: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Entries plugins add to the fleet's `staff_directory` (staff, services, networks), so the
    demo's access traces name host staff."""

    def add_target(self, tenant_id: str, kind: str, entry: dict[str, Any]) -> None:
        self.targets.setdefault(tenant_id, {}).setdefault(kind, []).append(entry)

    def note(self, text: str) -> None:
        self.notes.append(text)
