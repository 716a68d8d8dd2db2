"""Drift: what changed for each tenant since its previous completed run.

Why per tenant and not per run: with sharded runs (one Kubernetes pod per shard) or filtered
runs, a tenant's previous evidence may sit in another run than its neighbours'. Each tenant is
compared with the most recent *completed* run that covered it and started before this one.

A finding's identity is control + target + resource. "Failing" means ``fail`` or ``error``: an
error is not proof of compliance. Previous failures of a control/target pair this run did not
evaluate (a `--control` filter, a target removed from hds.yaml) are left out rather than called
fixed; those whose pair now errors without naming the resource are ``unverified``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from sqlalchemy import select

from controlplane.store import EvidenceStore
from controlplane.store import schema as store_schema

FAILING = frozenset({"fail", "error"})
_WORST = {"error": 3, "fail": 2, "pass": 1, "not_applicable": 0}

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class DriftItem:
    control: str
    target: str
    resource: str
    status: str | None
    """Status in this run; None when the resource is no longer reported."""
    previous_status: str | None
    """Status in the previous run; None when it was not reported there."""
    message: str
    check: str = ""
    target_kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "target": self.target,
            "resource": self.resource,
            "status": self.status,
            "previous_status": self.previous_status,
            "message": self.message,
            "check": self.check,
            "target_kind": self.target_kind,
        }


@dataclass(frozen=True)
class TenantDrift:
    tenant: str
    previous_run: str | None
    new_failures: tuple[DriftItem, ...] = ()
    fixed: tuple[DriftItem, ...] = ()
    still_failing: tuple[DriftItem, ...] = ()
    unverified: tuple[DriftItem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "previous_run": self.previous_run,
            "new_failures": [i.as_dict() for i in self.new_failures],
            "fixed": [i.as_dict() for i in self.fixed],
            "still_failing": [i.as_dict() for i in self.still_failing],
            "unverified": [i.as_dict() for i in self.unverified],
        }


@dataclass(frozen=True)
class DriftReport:
    run_id: str
    tenants: tuple[TenantDrift, ...] = field(default_factory=tuple)

    def total(self, category: str) -> int:
        return sum(len(getattr(t, category)) for t in self.tenants)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "totals": {c: self.total(c) for c in ("new_failures", "fixed", "still_failing", "unverified")},
            "tenants": [t.as_dict() for t in self.tenants],
        }


def _by_key(results: Iterable[Mapping[str, Any]]) -> dict[Key, Mapping[str, Any]]:
    """One row per key, the worst status winning when a check reported a resource twice."""
    rows: dict[Key, Mapping[str, Any]] = {}
    for r in results:
        key = (r["control"], r["target"], r["resource"])
        old = rows.get(key)
        if old is None or _WORST.get(r["status"], 0) > _WORST.get(old["status"], 0):
            rows[key] = r
    return rows


def _item(key: Key, now: Mapping[str, Any] | None, before: Mapping[str, Any] | None) -> DriftItem:
    row = now or before
    assert row is not None
    # Interned: a first run of 10,000 tenants has a hundred thousand new failures whose
    # controls, targets, statuses and (mostly) messages repeat; each row read from the store
    # brings its own copy of every string.
    return DriftItem(
        control=intern(key[0]),
        target=intern(key[1]),
        resource=key[2],
        status=intern(now["status"]) if now else None,
        previous_status=intern(before["status"]) if before else None,
        message=intern(row["message"]),
        check=intern(row.get("check", "")),
        target_kind=intern(row.get("target_kind", "")),
    )


def compare_tenant(
    tenant: str,
    current: Iterable[Mapping[str, Any]],
    previous: Iterable[Mapping[str, Any]],
    previous_run: str | None,
) -> TenantDrift:
    """Classify one tenant's findings against its previous run's (a pure function of the rows)."""
    cur, prev = _by_key(current), _by_key(previous)
    evaluated = {k[:2] for k in cur}
    errored = {k[:2] for k, r in cur.items() if r["status"] == "error"}
    new, still, fixed, unverified = [], [], [], []
    for key, row in cur.items():
        if row["status"] not in FAILING:
            continue
        before = prev.get(key)
        if before is not None and before["status"] in FAILING:
            still.append(_item(key, row, before))
        else:
            new.append(_item(key, row, before))
    for key, before in prev.items():
        if before["status"] not in FAILING or key[:2] not in evaluated:
            continue
        now = cur.get(key)
        if now is not None:
            if now["status"] not in FAILING:
                fixed.append(_item(key, now, before))
        elif key[:2] in errored:
            unverified.append(_item(key, None, before))
        else:
            fixed.append(_item(key, None, before))

    def ordered(items: list[DriftItem]) -> tuple[DriftItem, ...]:
        return tuple(sorted(items, key=lambda i: (i.control, i.target, i.resource)))

    return TenantDrift(tenant, previous_run, ordered(new), ordered(fixed), ordered(still), ordered(unverified))


def _previous_runs(store: EvidenceStore, run_id: str, started_at: str, tenants: set[str]) -> dict[str, str]:
    """Each tenant's most recent completed run started before (or with) `started_at`, newest first,
    streaming the runs table only until every tenant is placed."""
    runs = store_schema.runs
    q = (
        select(runs.c.run_id, runs.c.tenants)
        .where(runs.c.status == "completed", runs.c.started_at <= started_at, runs.c.run_id != run_id)
        .order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
    )
    found: dict[str, str] = {}
    with store.engine.connect() as conn:
        for row in conn.execution_options(yield_per=200).execute(q):
            for tenant in set(json.loads(row.tenants)) & (tenants - found.keys()):
                found[tenant] = row.run_id
            if len(found) == len(tenants):
                break
    return found


def compare_with_previous(store: EvidenceStore, run_id: str) -> DriftReport:
    """Drift of every tenant of `run_id` against that tenant's previous completed run."""
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    previous = _previous_runs(store, run_id, run.started_at, set(run.tenants))
    tenants = []
    for tenant in run.tenants:
        prev_run = previous.get(tenant)
        prev_rows: Iterator[dict[str, Any]] = iter(()) if prev_run is None else store.results(prev_run, tenant)
        tenants.append(compare_tenant(tenant, store.results(run_id, tenant), prev_rows, prev_run))
    return DriftReport(run_id, tuple(tenants))


__all__ = ["DriftItem", "DriftReport", "TenantDrift", "compare_tenant", "compare_with_previous"]
