"""Drift: what changed for each tenant, against the last *observed* state of each finding.

A finding's identity is control + target + resource. Its last observed state is its newest
non-error status in the tenant's earlier completed runs (see `observed_state`): an ``error``
observes nothing, so it neither hides nor fixes a failure.

- new failure: ``fail`` now, last observed passing, not applicable or never observed;
- still failing: ``fail`` now and when last observed (however many error runs in between);
- fixed: last observed ``fail``, now passing, or no longer reported while its control/target
  pair ran without error;
- unverified: ``error`` now (whatever it was), and last-observed failures no longer reported
  because their pair errors.

Keys of pairs this run did not evaluate (a `--tenant`/`--control`/`--activity` filter, another
shard, a target removed from hds.yaml) are neither fixed nor new: they are left out.
Only new failures are posted to the webhook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from controlplane.observed_state import RunHistory, findings, fold_run, tenant_history
from controlplane.results import GRAVITY
from controlplane.store import EvidenceStore

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
        if old is None or GRAVITY.get(r["status"], 0) > GRAVITY.get(old["status"], 0):
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


def classify(
    tenant: str,
    current: Iterable[Mapping[str, Any]],
    observed: Mapping[Key, Mapping[str, Any]],
    previous_run: str | None,
) -> TenantDrift:
    """Classify one tenant's findings against the last observed state of each key (a pure function).

    `observed` holds, for keys of the pairs this run evaluated, the newest non-error row of an
    earlier run; keys of other pairs are ignored."""
    cur = _by_key(current)
    evaluated = {k[:2] for k in cur}
    errored = {k[:2] for k, r in cur.items() if r["status"] == "error"}
    new, still, fixed, unverified = [], [], [], []
    for key, row in cur.items():
        before = observed.get(key)
        was_failing = before is not None and before["status"] == "fail"
        if row["status"] == "error":
            unverified.append(_item(key, row, before))
        elif row["status"] == "fail":
            (still if was_failing else new).append(_item(key, row, before))
        elif was_failing:
            fixed.append(_item(key, row, before))
    for key, before in observed.items():
        if key in cur or before["status"] != "fail" or key[:2] not in evaluated:
            continue
        (unverified if key[:2] in errored else fixed).append(_item(key, None, before))

    def ordered(items: list[DriftItem]) -> tuple[DriftItem, ...]:
        return tuple(sorted(items, key=lambda i: (i.control, i.target, i.resource)))

    return TenantDrift(tenant, previous_run, ordered(new), ordered(fixed), ordered(still), ordered(unverified))


def compare_tenant(
    tenant: str,
    current: Iterable[Mapping[str, Any]],
    previous: Iterable[Mapping[str, Any]],
    previous_run: str | None,
) -> TenantDrift:
    """Classify one tenant's findings against a single earlier run's rows (its errors observe nothing)."""
    current = list(current)
    observed, _, _ = fold_run(previous, {(r["control"], r["target"]) for r in current})
    return classify(tenant, current, observed, previous_run)


def compare_with_previous(store: EvidenceStore, run_id: str) -> DriftReport:
    """Drift of every tenant of `run_id` against the last observed state of each of its findings
    in the tenant's earlier completed runs (whatever runs, shards or filters those were).

    Streaming: one tenant at a time, its current rows and only as many earlier runs as needed to
    settle every control/target pair it evaluated (normally one); the runs table is paged once
    for the whole fleet."""
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    history = RunHistory(store, run_id, run.started_at, run.tenants)
    return DriftReport(run_id, tuple(_tenant_drift(store, history, run_id, t) for t in run.tenants))


def tenant_drift(store: EvidenceStore, run_id: str, tenant: str) -> TenantDrift:
    """One tenant's drift in `run_id`, exactly as `hdsctl run` classifies it (for reports)."""
    run = store.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    return _tenant_drift(store, RunHistory(store, run_id, run.started_at, [tenant]), run_id, tenant)


def _tenant_drift(store: EvidenceStore, history: RunHistory, run_id: str, tenant: str) -> TenantDrift:
    current = list(findings(store, run_id, tenant))
    pairs = {(r["control"], r["target"]) for r in current}
    previous_run, observed = tenant_history(store, history, tenant, pairs)
    return classify(tenant, current, observed, previous_run)


__all__ = [
    "DriftItem",
    "DriftReport",
    "TenantDrift",
    "classify",
    "compare_tenant",
    "compare_with_previous",
    "tenant_drift",
]
