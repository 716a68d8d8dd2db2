"""The last *observed* state of each control + target + resource of a tenant, across its earlier runs.

Why not just the previous run: an `error` observes nothing. After a run where a secret was
missing (every check `error`), the failures seen before it are still the last thing we know;
and a filtered run (`--control`, `--activity`) observed only some controls. So each tenant walks
back through the completed runs that covered it, newest first, and keeps for each key the newest
non-error status. A control/target pair is settled by the first earlier run that evaluated it
without any error (a key that run did not report was gone then): the walk stops as soon as every
pair of the current run is settled, which in a healthy fleet is one run back, as before.

Reads only (`runs` table and `EvidenceStore.results`), no schema of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from sys import intern
from typing import Any

from sqlalchemy import and_, or_, select

from controlplane.results import RunStatus
from controlplane.store import EvidenceStore
from controlplane.store import schema as store_schema

Key = tuple[str, str, str]
Pair = tuple[str, str]

MAX_LOOKBACK_RUNS = 50
"""How many earlier runs of a tenant a walk may read when pairs stay unsettled (a target erroring
run after run): bounds the cost of drift after a long outage; a failure last observed further
back is reported as new."""

_OBSERVED_RANK = {"fail": 2, "pass": 1, "not_applicable": 0}


def slim(row: Mapping[str, Any]) -> dict[str, str]:
    """What drift keeps of a result (not its evidence), strings interned: a fleet repeats them."""
    return {
        "status": intern(row["status"]),
        "message": intern(row["message"]),
        "check": intern(row.get("check", "")),
        "target_kind": intern(row.get("target_kind", "")),
    }


def fold_run(
    rows: Iterable[Mapping[str, Any]], pairs: set[Pair] | None
) -> tuple[dict[Key, dict[str, str]], set[Pair], set[Pair]]:
    """One run's observations of `pairs` (all when None): key -> worst observed row, the pairs
    it evaluated, and the pairs with at least one error."""
    observed: dict[Key, dict[str, str]] = {}
    seen: set[Pair] = set()
    errored: set[Pair] = set()
    for r in rows:
        pair = (r["control"], r["target"])
        if pairs is not None and pair not in pairs:
            continue
        seen.add(pair)
        if r["status"] == "error":
            errored.add(pair)
            continue
        key = (pair[0], pair[1], r["resource"])
        old = observed.get(key)
        if old is None or _OBSERVED_RANK.get(r["status"], 0) > _OBSERVED_RANK.get(old["status"], 0):
            observed[key] = slim(r)
    return observed, seen, errored


def last_observed(runs: Iterable[Iterable[Mapping[str, Any]]], pairs: set[Pair]) -> dict[Key, dict[str, str]]:
    """Newest non-error observation of every key of `pairs`, from runs given newest first (each an
    iterable of one tenant's rows); a pair stops collecting once a run evaluated it cleanly."""
    open_pairs = set(pairs)
    last: dict[Key, dict[str, str]] = {}
    if not open_pairs:
        return last
    for rows in runs:
        observed, seen, errored = fold_run(rows, open_pairs)
        for key, row in observed.items():
            last.setdefault(key, row)
        open_pairs -= seen - errored
        if not open_pairs:  # before asking for the next run: it is never read
            break
    return last


class RunHistory:
    """Completed runs started before (or with) a given run, newest first, read from the runs table
    in growing pages and shared by every tenant's walk: a run of 10,000 tenants is parsed once,
    and only as far back as some tenant needs."""

    def __init__(self, store: EvidenceStore, run_id: str, started_at: str, tenants: Iterable[str]) -> None:
        self._store = store
        self._run_id = run_id
        self._started_at = started_at
        self._tenants = frozenset(tenants)
        self._cache: list[tuple[str, frozenset[str]]] = []
        self._cursor: tuple[str, str] | None = None
        self._page = 4
        self._exhausted = False

    def _fetch(self) -> bool:
        if self._exhausted:
            return False
        runs = store_schema.runs
        where = [
            runs.c.status == RunStatus.completed.value,
            runs.c.run_id != self._run_id,
            runs.c.started_at <= self._started_at,
        ]
        if self._cursor is not None:
            at, rid = self._cursor
            where.append(or_(runs.c.started_at < at, and_(runs.c.started_at == at, runs.c.run_id < rid)))
        q = (
            select(runs.c.run_id, runs.c.started_at, runs.c.tenants)
            .where(*where)
            .order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
            .limit(self._page)
        )
        with self._store.engine.connect() as conn:
            rows = conn.execute(q).all()
        for row in rows:
            self._cache.append((row.run_id, self._tenants.intersection(json.loads(row.tenants))))
        if len(rows) < self._page:
            self._exhausted = True
        if rows:
            self._cursor = (rows[-1].started_at, rows[-1].run_id)
        self._page = min(self._page * 2, 256)
        return bool(rows)

    def runs_of(self, tenant: str) -> Iterator[str]:
        """The ids of the completed earlier runs that covered `tenant`, newest first."""
        i = 0
        while True:
            while i < len(self._cache):
                run_id, covered = self._cache[i]
                i += 1
                if tenant in covered:
                    yield run_id
            if not self._fetch():
                return


_FINDING_COLUMNS = ("control", "target", "resource", "status", "message", "check_id", "target_kind")


def findings(store: EvidenceStore, run_id: str, tenant: str) -> Iterator[dict[str, Any]]:
    """One tenant's findings in a run, without their evidence: what drift compares. Read through
    the (run, tenant) index; skipping the evidence JSON halves the cost of drift at 10,000 tenants."""
    r = store_schema.results
    columns = [r.c[name] for name in _FINDING_COLUMNS]
    with store.engine.connect() as conn:
        if conn.dialect.driver == "pysqlite":
            # The planner (without statistics) may otherwise walk the run in seq order per tenant.
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(
                    f"SELECT {', '.join(_FINDING_COLUMNS)} FROM results INDEXED BY ix_results_run "
                    "WHERE run_id = ? AND tenant = ? ORDER BY seq",
                    (run_id, tenant),
                )
                rows: Iterable[Any] = cursor.fetchall()
            finally:
                cursor.close()
        else:
            q = select(*columns).where(r.c.run_id == run_id, r.c.tenant == tenant).order_by(r.c.seq)
            rows = conn.execute(q).all()
    for control, target, resource, status, message, check, kind in rows:
        yield {
            "control": control,
            "target": target,
            "resource": resource,
            "status": status,
            "message": message,
            "check": check,
            "target_kind": kind,
        }


Reader = Callable[[str, str], Iterable[Mapping[str, Any]]]


def tenant_history(
    store: EvidenceStore,
    history: RunHistory,
    tenant: str,
    pairs: set[Pair],
    max_runs: int = MAX_LOOKBACK_RUNS,
    read: Reader | None = None,
) -> tuple[str | None, dict[Key, dict[str, str]]]:
    """The tenant's previous completed run (None on its first run) and the last observed state of
    every key of `pairs` in its earlier runs. `read(run_id, tenant)` gives one run's rows
    (default: `findings`)."""
    reader: Reader = read or (lambda run_id, t: findings(store, run_id, t))
    run_ids = history.runs_of(tenant)
    first = next(run_ids, None)
    if first is None:
        return None, {}

    def runs() -> Iterator[Iterable[Mapping[str, Any]]]:
        yield reader(first, tenant)
        for n, run_id in enumerate(run_ids, start=1):
            if n >= max_runs:
                return
            yield reader(run_id, tenant)

    return first, last_observed(runs(), pairs)


__all__ = ["MAX_LOOKBACK_RUNS", "RunHistory", "findings", "fold_run", "last_observed", "slim", "tenant_history"]
