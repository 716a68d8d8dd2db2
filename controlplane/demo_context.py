"""What `hdsctl demo` hands to plugins so each can add its own local endpoints."""

from __future__ import annotations

from collections.abc import Sequence
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
    platform: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Shared groups by id: `{"serves": [tenant ids], "targets": {kind: [entries]}}` (hds.yaml `platform:`)."""
    staff_directory: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Entries plugins add to the fleet's `staff_directory` (staff, services, networks), so the
    demo's access traces name host staff."""

    def add_target(self, tenant_id: str, kind: str, entry: dict[str, Any]) -> None:
        self.targets.setdefault(tenant_id, {}).setdefault(kind, []).append(entry)

    def add_shared_target(self, group_id: str, serves: Sequence[str], kind: str, entry: dict[str, Any]) -> None:
        """Add a target to the shared group `group_id` (created on first use) serving the demo
        tenants `serves`: collected once per run, its results stored for each of them. Two
        plugins may add to one group only if they name the same tenants."""
        known = {t.id for t in self.tenants}
        unknown = [t for t in serves if t not in known]
        if unknown or not serves:
            raise ValueError(f"shared group {group_id!r} must serve demo tenants (unknown: {unknown or 'none given'})")
        group = self.platform.setdefault(group_id, {"serves": list(serves), "targets": {}})
        if sorted(group["serves"]) != sorted(serves):
            raise ValueError(f"shared group {group_id!r} already serves {group['serves']}, not {list(serves)}")
        group["targets"].setdefault(kind, []).append(entry)

    def note(self, text: str) -> None:
        self.notes.append(text)
