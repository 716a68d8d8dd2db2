"""A plugin whose collector and checks do nothing: what is left to measure is the scheduler,
the plan and the store. Registered through the hook contract like any plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckContext, CheckSpec, CollectContext, TargetKind
from controlplane.results import Finding, Status

CONTROLS = 10
EVIDENCE = {"observed": "noop"}


class NoopTarget(BaseModel):
    name: str


def collect(target: NoopTarget, ctx: CollectContext) -> dict[str, Any]:
    return {}


def check(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "noop", ctx.target_name, EVIDENCE)]


def catalog_file(directory: Path) -> Path:
    lines = ["controls:"]
    for i in range(1, CONTROLS + 1):
        lines += [
            f"  - id: NOP-{i:02d}",
            "    kind: automated",
            f"    check: noop.c{i}",
            "    severity: low",
            "    hds_activities: [5]",
            "    iso27001: [A.8.16]",
            '    title: {fr: "Contrôle vide", en: "No-op control"}',
            '    objective: {fr: "Mesurer.", en: "Measure."}',
            '    remediation: {fr: "-", en: "-"}',
        ]
    path = directory / "noop-controls.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


class NoopPlugin:
    def __init__(self, catalog: Path) -> None:
        self.catalog = catalog

    @hookimpl
    def hds_target_kinds(self) -> list[TargetKind]:
        return [TargetKind("noop", NoopTarget, collect)]

    @hookimpl
    def hds_checks(self) -> list[CheckSpec]:
        return [CheckSpec(f"noop.c{i}", "noop", check) for i in range(1, CONTROLS + 1)]

    @hookimpl
    def hds_catalog_files(self) -> list[Path]:
        return [self.catalog]
