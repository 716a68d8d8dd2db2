"""REV-01, judged at every run from the store: for a tenant whose contract has a reversibility
clause, a passing `hdsctl reversibility test` younger than the contracted age must be recorded.
No clause: not applicable. None, only failed ones, or the newest passing one too old: a failure
whose `evidence.outcome` says `missing`, `failed` or `stale`. Never a pass without such a test."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from controlplane import __version__
from controlplane.governance.clock import days_between, iso, parse_instant
from controlplane.governance.register import records
from controlplane.planning import AttestedItem
from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore

CHECK = "reversibility.recorded_test"
TEST_KIND = "reversibility"
DEFAULT_MAX_AGE_MONTHS = 12


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=min(moment.day, day))
        except ValueError:
            continue
    raise ValueError(f"no such date: {year}-{month}")  # not reached: every month has a 28th


def _judge(tenant_contract: Any, recs: list[dict[str, Any]], moment: datetime) -> tuple[Status, str, dict[str, Any]]:
    months = int(tenant_contract.get("reversibility_test_max_age_months") or DEFAULT_MAX_AGE_MONTHS)
    oldest = months_before(moment, months)
    base: dict[str, Any] = {"max_age_months": months, "oldest_accepted": iso(oldest)}
    dated = []
    for rec in recs:
        tested = parse_instant(str(rec["evidence"].get("tested_at") or rec["started_at"]), "record", "tested_at")
        if tested <= moment:
            dated.append((tested, rec))
    if not dated:
        return Status.failed, "missing: no reversibility test recorded", {**base, "outcome": "missing"}
    passing = [(t, r) for t, r in dated if r["status"] == "pass"]
    if passing:
        tested, rec = max(passing, key=lambda x: x[0])
        summary = {
            **base,
            "test_run": rec["run_id"],
            "test_record": rec["record_hash"],
            "tested_at": iso(tested),
            "age_days": days_between(tested, moment),
            "mode": rec["evidence"].get("mode"),
            "items": rec["evidence"].get("items"),
            "extrapolated_full_return_s": rec["evidence"].get("extrapolated_full_return_s"),
        }
        if tested >= oldest:
            return (
                Status.passed,
                f"reversibility test of {tested.date().isoformat()} passed (run {rec['run_id']}), "
                f"younger than {months} months",
                {**summary, "outcome": "valid"},
            )
        return (
            Status.failed,
            f"stale: the newest passing reversibility test ({tested.date().isoformat()}) is older than {months} months",
            {**summary, "outcome": "stale"},
        )
    tested, rec = max(dated, key=lambda x: x[0])
    return (
        Status.failed,
        f"failed: no reversibility test has passed; the newest ({tested.date().isoformat()}, run "
        f"{rec['run_id']}) failed: {rec['message']}",
        {**base, "outcome": "failed", "test_run": rec["run_id"], "test_record": rec["record_hash"]},
    )


def recorded_results(
    store: EvidenceStore, run_id: str, items: Iterable[AttestedItem], moment: datetime
) -> list[CheckResult]:
    items = list(items)
    if not items:
        return []
    grouped: dict[str, list[dict[str, Any]]] = {}
    for rec in records(store, TEST_KIND, {i.tenant.id for i in items}):
        grouped.setdefault(rec["tenant"], []).append(rec)
    out = []
    for item in items:
        control = item.planned.control
        contract = item.tenant.contract
        if not contract.get("reversibility_clause"):
            status, message, evidence = (
                Status.not_applicable,
                "the contract has no reversibility clause (contract.reversibility_clause)",
                {"outcome": "no_clause"},
            )
        else:
            status, message, evidence = _judge(contract, grouped.get(item.tenant.id, []), moment)
        out.append(
            CheckResult(
                run_id=run_id,
                tenant=item.tenant.id,
                control=control.id,
                check=CHECK,
                target_kind="record",
                target="",
                resource="",
                status=status,
                message=message,
                evidence=evidence,
                hds_activities=item.planned.activities,
                iso27001=control.iso27001,
                started_at=iso(moment),
                duration_ms=0.0,
                plugin="reversibility",
                plugin_version=__version__,
            )
        )
    return out
