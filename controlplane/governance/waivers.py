"""Waivers (accepted risks): a reviewed file (`waivers.yaml` beside the fleet file) or
`hdsctl waive`. A waiver names the tenant, the control, optionally target/resource patterns,
why the risk is accepted and what compensates it, who asked and who (someone else) approved,
and a mandatory expiry at most 12 months after approval.

A waived failure keeps its status (`fail`): the run only marks it with the waiver's id and the
hash of the waiver's own evidence record. A waiver never applies to an error, and stops
applying the day it expires (the result then says which waiver expired)."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from controlplane.catalog import Catalog
from controlplane.config import Fleet
from controlplane.errors import InputError, Problem
from controlplane.results import CheckResult, Status
from controlplane.store.chain import canonical_json
from controlplane.validation import problems_from
from controlplane.yamlfile import load_yaml

FILE_NAME = "waivers.yaml"
KIND = "waiver"
WAIVER_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
PATTERN = r"^[^\x00-\x1f]{1,200}$"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=WAIVER_ID)]
    tenant: str = Field(min_length=1)
    control: str = Field(min_length=1)
    target: Annotated[str, Field(pattern=PATTERN)] = "*"
    resource: Annotated[str, Field(pattern=PATTERN)] = "*"
    justification: str = Field(min_length=10, max_length=2000)
    compensating_measure: str = Field(min_length=5, max_length=2000)
    requested_by: str = Field(min_length=1, max_length=200)
    approved_by: str = Field(min_length=1, max_length=200)
    approved_on: date
    expires: date
    risk_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _rules(self) -> Waiver:
        if self.approved_by.strip().casefold() == self.requested_by.strip().casefold():
            raise ValueError("approved_by: must differ from requested_by (nobody approves their own waiver)")
        if self.expires <= self.approved_on:
            raise ValueError("expires: must be after approved_on")
        latest = _add_months(self.approved_on, 12)
        if self.expires > latest:
            raise ValueError(f"expires: {self.expires} is more than 12 months after approved_on (latest {latest})")
        return self

    @property
    def expires_at(self) -> datetime:
        """The end of the expiry day, UTC: a waiver "until 30 June" covers 30 June."""
        return datetime.combine(self.expires, time(23, 59, 59), UTC)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.body()).encode()).hexdigest()

    def matches(self, result: CheckResult) -> bool:
        return (
            result.tenant == self.tenant
            and result.control == self.control
            and fnmatch.fnmatchcase(result.target, self.target)
            and fnmatch.fnmatchcase(result.resource, self.resource)
        )


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    waivers: tuple[Waiver, ...] = ()


def _problems(exc: ValidationError, display: str) -> list[Problem]:
    """pydantic names a model-level rule's field in the message ('approved_by: ...'): move it
    into the field path, so every problem reads file: field: reason."""
    out = []
    for p in problems_from(exc, display):
        head, sep, rest = p.reason.partition(": ")
        if sep and head in Waiver.model_fields and " " not in head:
            p = Problem(p.file, f"{p.field}.{head}", rest)
        out.append(p)
    return out


def cross_check(waivers: Sequence[Waiver], fleet: Fleet, catalog: Catalog, display: str, today: date) -> None:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, w in enumerate(waivers):
        where = f"waivers[{i}]"
        if w.id in seen:
            problems.append(
                Problem(display, f"{where}.id", f"duplicate waiver id {w.id!r} (also waivers[{seen[w.id]}])")
            )
        seen.setdefault(w.id, i)
        if fleet.tenant(w.tenant) is None:
            problems.append(Problem(display, f"{where}.tenant", f"unknown tenant {w.tenant!r} in {fleet.path}"))
        if w.control not in catalog.controls:
            problems.append(Problem(display, f"{where}.control", f"unknown control {w.control!r}"))
        if w.approved_on > today:
            problems.append(Problem(display, f"{where}.approved_on", f"{w.approved_on} is in the future"))
    if problems:
        raise InputError(problems)


def parse_waivers(data: Any, display: str, fleet: Fleet, catalog: Catalog, today: date) -> tuple[Waiver, ...]:
    if data is None:
        return ()
    try:
        parsed = WaiversFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(_problems(exc, display)) from None
    cross_check(parsed.waivers, fleet, catalog, display, today)
    return parsed.waivers


def waivers_path(config_path: Path) -> Path:
    return config_path.parent / FILE_NAME


def load_waivers(config_path: Path, fleet: Fleet, catalog: Catalog, today: date) -> tuple[Waiver, ...]:
    """The waivers beside the fleet file (none when there is no such file)."""
    path = waivers_path(config_path)
    if not path.exists():
        return ()
    return parse_waivers(load_yaml(path, str(path)), str(path), fleet, catalog, today)


@dataclass(frozen=True)
class Active:
    """A waiver as a run applies it: with the hash of its evidence record."""

    waiver: Waiver
    record_hash: str


def mark(result: CheckResult, active: Iterable[Active], moment: datetime) -> CheckResult:
    """The result, marked as waived when a current waiver covers this failure (status kept),
    or marked with the expired waiver that no longer covers it. Errors are never waived."""
    if result.status is not Status.failed:
        return result
    expired: Active | None = None
    for a in active:
        if not a.waiver.matches(result):
            continue
        if moment <= a.waiver.expires_at:
            w = a.waiver
            note = {
                "id": w.id,
                "record": a.record_hash,
                "approved_by": w.approved_by,
                "expires": w.expires.isoformat(),
                "risk_id": w.risk_id,
            }
            return replace(result, evidence={**result.evidence, "waiver": note})
        expired = a
    if expired is not None:
        note = {
            "id": expired.waiver.id,
            "record": expired.record_hash,
            "expired_on": expired.waiver.expires.isoformat(),
        }
        return replace(result, evidence={**result.evidence, "waiver_expired": note})
    return result
