"""Restore checks: the newest backup of each set restores and equals its manifest (integrity),
and it does so within the tenant's RTO. Both carry the measured RPO and RTO in their evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_backup.checks import recovery_evidence, unreadable
from hds_backup.snapshot import BackupSnapshot, RestoreOutcome, SetSnapshot


def _evidence(snap: BackupSnapshot, s: SetSnapshot, outcome: RestoreOutcome, ctx: CheckContext) -> dict[str, Any]:
    evidence = recovery_evidence(snap, s)
    evidence.update(
        restore_status=outcome.status,
        timings=outcome.timings.describe(),
        measured_rto_s=round(outcome.timings.recovery_s, 3),
        measured_rto_hours=round(outcome.timings.recovery_s / 3600, 6),
        rto_hours=float(ctx.tenant.contract["rto_hours"]),
    )
    evidence.update(outcome.details)
    if outcome.problems:
        evidence["problems"] = list(outcome.problems)
    return evidence


@check("backup.restore_integrity", "backup", "restores, equal to manifest")
def restore_integrity(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    for s in snap.sets:
        if not s.listing.ok:
            yield unreadable(s.listing, f"backup set {s.name}", s.name)
            continue
        outcome = s.restore
        if outcome is None:
            yield Finding(Status.error, "the restore test did not run", s.name)
            continue
        evidence = _evidence(snap, s, outcome, ctx)
        if outcome.status == "verified":
            cleanup = outcome.details.get("cleanup_problem")
            yield Finding(
                Status.passed, outcome.message + (f" (clean-up: {cleanup})" if cleanup else ""), s.name, evidence
            )
        elif outcome.status in ("failed", "no_backup", "disabled"):
            yield Finding(Status.failed, outcome.message, s.name, evidence)
        elif outcome.status == "timeout":
            yield Finding(
                Status.error,
                f"the restore test did not finish within the collection budget ({outcome.message}): raise "
                "runtime.collect_timeout_s above the time a restore needs",
                s.name,
                evidence,
            )
        else:
            yield Finding(Status.error, f"the restore test could not run: {outcome.message}", s.name, evidence)


@check("backup.restore_time", "backup", "restores within the RTO")
def restore_time(snap: BackupSnapshot, ctx: CheckContext) -> Iterator[Finding]:
    rto_hours = float(ctx.tenant.contract["rto_hours"])
    rto_s = rto_hours * 3600
    for s in snap.sets:
        if not s.listing.ok:
            yield unreadable(s.listing, f"backup set {s.name}", s.name)
            continue
        outcome = s.restore
        if outcome is None:
            yield Finding(Status.error, "the restore test did not run", s.name)
            continue
        evidence = _evidence(snap, s, outcome, ctx)
        took = outcome.timings.recovery_s
        if outcome.status == "verified":
            status = Status.passed if took <= rto_s else Status.failed
            word = "within" if took <= rto_s else "beyond"
            yield Finding(status, f"restored in {took:.3f} s, {word} the {rto_hours:g} h RTO", s.name, evidence)
        elif outcome.status == "timeout":
            elapsed = float(outcome.details.get("elapsed_s", took))
            if elapsed > rto_s:
                yield Finding(
                    Status.failed,
                    f"still restoring after {elapsed:.0f} s, beyond the {rto_hours:g} h RTO",
                    s.name,
                    evidence,
                )
            else:
                yield Finding(
                    Status.error,
                    f"the restore test ran out of collection budget after {elapsed:.0f} s, before the RTO: raise "
                    "runtime.collect_timeout_s to at least the RTO",
                    s.name,
                    evidence,
                )
        elif outcome.status in ("failed", "no_backup", "disabled"):
            yield Finding(
                Status.failed, f"the RTO is not demonstrated: no verified restore ({outcome.message})", s.name, evidence
            )
        else:
            yield Finding(Status.error, f"the restore test could not run: {outcome.message}", s.name, evidence)
