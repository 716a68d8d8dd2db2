"""What a check says (Finding) and what the store keeps (CheckResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SHARED_PLATFORM_KEY = "shared_platform"
"""Evidence key the scheduler adds to a result of a shared target: the id of its group
(`platform:` in hds.yaml), so reports can say the result comes from shared infrastructure."""


class Status(StrEnum):
    passed = "pass"
    failed = "fail"
    error = "error"
    not_applicable = "not_applicable"


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict of a check on one resource of a target.

    `evidence` is the observed configuration the verdict rests on, trimmed to what the check
    judged and free of secrets: a PASS without evidence is refused by the scheduler.
    """

    status: Status
    message: str
    resource: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A finding placed in its context: run, tenant, control, target. One row of evidence."""

    run_id: str
    tenant: str
    control: str
    check: str
    target_kind: str
    target: str
    resource: str
    status: Status
    message: str
    evidence: dict[str, Any]
    hds_activities: tuple[int, ...]
    iso27001: tuple[str, ...]
    started_at: str
    duration_ms: float
    plugin: str
    plugin_version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "tenant": self.tenant,
            "control": self.control,
            "check": self.check,
            "target_kind": self.target_kind,
            "target": self.target,
            "resource": self.resource,
            "status": str(self.status),
            "message": self.message,
            "evidence": self.evidence,
            "hds_activities": list(self.hds_activities),
            "iso27001": list(self.iso27001),
            "started_at": self.started_at,
            "duration_ms": round(self.duration_ms, 3),
            "plugin": self.plugin,
            "plugin_version": self.plugin_version,
        }
