"""What a check says (Finding) and what the store keeps (CheckResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SHARED_PLATFORM_KEY = "shared_platform"
"""Evidence key the scheduler adds to a result of a shared target: the id of its group
(`platform:` in hds.yaml), so reports can say the result comes from shared infrastructure."""


class Status(StrEnum):
    """What a check found. The values are what the store, the JSON and CSV reports and the
    evidence bundles hold: a `StrEnum`, so a member is written as its value and equals it."""

    passed = "pass"
    failed = "fail"
    error = "error"
    not_applicable = "not_applicable"


class RunStatus(StrEnum):
    """Where a run stands, as the `runs` table holds it."""

    running = "running"
    completed = "completed"
    interrupted = "interrupted"
    """Cut short (a signal, a crash, a deadline), or "running" without a live lease."""
    recorded = "recorded"
    """Not a sweep: attestations recorded by a person (`hdsctl attest`)."""


STATUS_ORDER: tuple[Status, ...] = tuple(Status)
"""Order of the counts columns (tables, JSON, reports): pass, fail, error, not_applicable."""

FIX_FIRST: dict[Status, int] = {Status.failed: 0, Status.error: 1, Status.passed: 2, Status.not_applicable: 3}
"""Reading order of findings in the reports: failures, then errors (unverified), then the rest."""

GRAVITY: dict[Status, int] = {Status.error: 3, Status.failed: 2, Status.passed: 1, Status.not_applicable: 0}
"""Worst first, when several findings sum up to one status (a check's span, a control's drift):
an error proves nothing, so it outranks a failure."""

RESULT_FR: dict[Status, str] = {
    Status.passed: "conforme",
    Status.failed: "non conforme",
    Status.error: "erreur",
    Status.not_applicable: "non applicable",
}
"""The statuses as the French audit document names them."""


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
