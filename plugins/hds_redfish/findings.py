"""The per-BMC skeleton every Redfish check shares: an unreadable BMC gives ERROR, a BMC that
exposes nothing the check judges gives `not_applicable` with the reason, never a pass."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from controlplane.results import Finding, Status
from hds_redfish.snapshot import BmcSnapshot, RedfishSnapshot

BmcCheck = Callable[[BmcSnapshot], list[Finding]]


def per_bmc(snap: RedfishSnapshot, judge: BmcCheck, unexposed: str, parts: tuple[str, ...] = ()) -> list[Finding]:
    """`judge(bmc)` for every readable BMC; `unexposed` when it returns nothing for one. A BMC
    that answered one of `parts` with an error status gets an ERROR naming it."""
    out: list[Finding] = []
    for bmc in snap.bmcs:
        if bmc.error is not None:
            out.append(Finding(Status.error, bmc.error, bmc.endpoint))
            continue
        broken = [bmc.part_errors[p] for p in parts if p in bmc.part_errors]
        if broken:
            out.append(Finding(Status.error, f"unreadable: {'; '.join(broken)}", bmc.endpoint))
            continue
        found = judge(bmc)
        out.extend(found or [Finding(Status.not_applicable, f"the BMC {unexposed}", bmc.endpoint)])
    return out


def verdict(problems: Iterable[str], ok: str, resource: str, evidence: dict) -> Finding:
    problems = list(problems)
    if problems:
        return Finding(Status.failed, "; ".join(problems), resource, evidence)
    return Finding(Status.passed, ok, resource, evidence)


def healthy(status: dict) -> bool:
    return status.get("Health") in (None, "OK") and status.get("State") in (None, "Enabled")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """'2.19.1' < '2.20.0'; numbers compare as numbers, other parts as text."""
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in re.split(r"[.\-_ ]+", version) if p)
