"""What a check says (Finding) and what the store keeps (CheckResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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


def stored_status(text: str) -> Status | str:
    """The `Status` a stored string names; a string no release writes (a tampered store) is kept
    as read, so that verification reports the broken hash rather than failing to read the record."""
    return Status._value2member_map_.get(text, text)  # type: ignore[return-value]


def stored_run_status(text: str) -> RunStatus | str:
    """The `RunStatus` a stored string names; any other string (a tampered store) as read."""
    return RunStatus._value2member_map_.get(text, text)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A result as the store hands it back: the `CheckResult` fields (the JSON columns as JSON
    gives them: lists, a fresh copy per record), its number in the run (`seq`) and its links in
    the tenant's chain. `row_id` is set where the chain order matters
    (`EvidenceStore.chain`, `find_record`).

    `record["field"]` reads a field by the name the hash format and the evidence JSON give it
    (`record_hash`, scripts); `as_dict()` is the record as JSON shows it."""

    run_id: str
    seq: int
    tenant: str
    control: str
    check: str
    target_kind: str
    target: str
    resource: str
    status: Status | str
    message: str
    evidence: dict[str, Any]
    hds_activities: list[int]
    iso27001: list[str]
    started_at: str
    duration_ms: float
    plugin: str
    plugin_version: str
    prev_hash: str
    record_hash: str
    row_id: int | None = None

    def __getitem__(self, name: str) -> Any:
        if name not in _FIELD_NAMES or (name == "row_id" and self.row_id is None):
            raise KeyError(name)
        return getattr(self, name)

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in STORED_FIELDS}
        if self.row_id is not None:
            out["row_id"] = self.row_id
        return out


_FIELD_NAMES = frozenset(StoredResult.__dataclass_fields__)
STORED_FIELDS = tuple(f for f in StoredResult.__dataclass_fields__ if f != "row_id")
"""What `as_dict()` holds, in order (with `row_id` after them when set)."""
