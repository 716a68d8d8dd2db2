"""The store's recent history as the fleet report reads it: the last N completed runs, and their
results grouped by tenant.

Why a merge rather than one query: a tenant's results across N runs must be looked at together
(since when has this failure been open?), but holding the fleet's results of N runs in memory
(10,000 tenants x 42 results x N) is not an option, and joining runs with each other is quadratic.
Each run is read as one stream ordered by tenant (the store's (run_id, tenant) index serves that
order), the N streams are merged by tenant, and a caller sees one tenant's rows of every run at a
time: memory of one tenant, one pass over the rows. Only the columns a fleet view needs are read
(no evidence, no message): what a target reported never reaches the fleet report but its name.

Kept out of `controlplane.store` on purpose: it uses the store's public engine and tables only.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, select

from controlplane.results import RunStatus
from controlplane.store import EvidenceStore, RunRecord, schema

MAX_RUNS = 52
"""Upper bound of `--runs`: a year of weekly runs. One open cursor per run."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored result, reduced to what the fleet report needs."""

    run: int
    """Index of the run in the window, 0 = oldest."""
    control: str
    target: str
    resource: str
    status: str
    activities: tuple[int, ...]


def recent_runs(store: EvidenceStore, count: int) -> tuple[list[RunRecord], bool]:
    """The `count` most recent completed runs, oldest first, and whether older completed runs
    exist (then a failure seen since the window's first run may be older still). Interrupted and
    running runs are left out: a partial run is not a state of the fleet (as for drift)."""
    completed = [r for r in store.list_runs(10_000_000) if r.status == RunStatus.completed]
    window = completed[:count]
    window.reverse()
    return window, len(completed) > count


_COLUMNS = ("tenant", "run_id", "control", "target", "resource", "status", "hds_activities")


def _stream(conn: Connection, run_id: str) -> Iterator[Any]:
    if conn.dialect.driver == "pysqlite":
        # The driver's cursor, as the store's own streams do: a third of SQLAlchemy's cost per row.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM {schema.results.name} INDEXED BY ix_results_run "
                "WHERE run_id = ? ORDER BY tenant",
                (run_id,),
            )
            while batch := cursor.fetchmany(2000):
                yield from batch
        finally:
            cursor.close()
        return
    r = schema.results
    tenant = r.c.tenant.collate("C") if conn.dialect.name == "postgresql" else r.c.tenant
    q = (
        select(r.c.tenant, r.c.run_id, r.c.control, r.c.target, r.c.resource, r.c.status, r.c.hds_activities)
        .where(r.c.run_id == run_id)
        .order_by(tenant)
    )
    # Python compares str by code point, as SQLite's BINARY collation and PostgreSQL's "C" do:
    # the merge below relies on every stream being sorted the way Python sorts.
    yield from conn.execution_options(yield_per=2000).execute(q)


def tenant_histories(store: EvidenceStore, runs: list[RunRecord]) -> Iterator[tuple[str, list[Observation]]]:
    """(tenant, its observations in the window, oldest run first), tenant by tenant in code
    point order. One connection, one cursor per run, rows merged as they stream."""
    index = {run.run_id: i for i, run in enumerate(runs)}
    activities: dict[str, tuple[int, ...]] = {}
    with store.engine.connect() as conn:
        streams = [_stream(conn, run.run_id) for run in runs]
        merged = heapq.merge(*streams, key=itemgetter(0))
        for tenant, rows in groupby(merged, key=itemgetter(0)):
            observations = []
            for _, run_id, control, target, resource, status, acts in rows:
                parsed = activities.get(acts)
                if parsed is None:
                    parsed = activities[acts] = tuple(json.loads(acts))
                observations.append(Observation(index[run_id], control, target, resource, status, parsed))
            observations.sort(key=lambda o: o.run)  # stable: a run's rows keep their order
            yield tenant, observations
