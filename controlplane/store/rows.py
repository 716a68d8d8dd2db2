"""Rows of the results table as the store writes and reads them: the batch insert through the
driver's own executemany, the chain heads of a batch in one statement, and rows streamed back
and decoded by position. Kept apart from `sql.EvidenceStore` because they are the hot paths
(100,000 results a run, 1,000,000 records a verification) and are tuned as such."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from controlplane.store import schema
from controlplane.store.chain import GENESIS, canonical_json

_LISTS: dict[tuple[Any, ...], str] = {}


def list_json(values: tuple[Any, ...]) -> str:
    """Canonical JSON of a control's HDS activities or ISO IDs: a handful of distinct tuples per
    run, encoded once each. Only tuples of plain ints and strings are remembered: both fields are
    typed so by the catalog, and the column and the hash always share the one encoding."""
    text = _LISTS.get(values)
    if text is None:
        text = canonical_json(values)
        if len(_LISTS) < 4096 and all(type(v) is int or type(v) is str for v in values):
            _LISTS[values] = text
    return text


RESULT_COLUMNS = tuple(c.name for c in schema.results.columns if c.name != "id")
_row_values = itemgetter(*RESULT_COLUMNS)
_POSITIONAL = {"pysqlite": "?", "psycopg": "%s"}
"""Positional placeholder of the drivers whose executemany the batch insert calls directly."""
_INSERT_SQL = {
    driver: f"INSERT INTO {schema.results.name} ({', '.join(RESULT_COLUMNS)}) "
    f"VALUES ({', '.join([mark] * len(RESULT_COLUMNS))})"
    for driver, mark in _POSITIONAL.items()
}


def insert_results(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """One executemany of the batch, rows as tuples. Why the driver's own statement: Core's
    insert processes each row's parameters in Python, a third of the cost of storing a result."""
    sql = _INSERT_SQL.get(conn.dialect.driver)
    if sql is None:
        conn.execute(insert(schema.results), rows)
    else:
        conn.exec_driver_sql(sql, [_row_values(row) for row in rows])


_HEADS_SQL = (
    "WITH t(tenant) AS (VALUES {values}) SELECT t.tenant, (SELECT r.record_hash FROM results r "
    "WHERE r.tenant = t.tenant ORDER BY r.id DESC LIMIT 1) FROM t"
)


def chain_heads(conn: Connection, tenants: set[str]) -> dict[str, str]:
    """Each tenant's chain head (GENESIS for a new chain) in one statement per 500 tenants rather
    than one per tenant; each head is one seek in the (tenant, id) index, however long the chain."""
    heads = dict.fromkeys(tenants, GENESIS)
    mark = _POSITIONAL.get(conn.dialect.driver)
    names = sorted(tenants)
    for i in range(0, len(names), 500):
        chunk = names[i : i + 500]
        if mark is None:
            r = schema.results
            for tenant in chunk:
                q = select(r.c.record_hash).where(r.c.tenant == tenant).order_by(r.c.id.desc()).limit(1)
                head = conn.execute(q).scalar()
                heads[tenant] = head or GENESIS
            continue
        sql = _HEADS_SQL.format(values=", ".join([f"({mark})"] * len(chunk)))
        for tenant, head in conn.exec_driver_sql(sql, tuple(chunk)):
            if head is not None:
                heads[tenant] = head
    return heads


def chain_lengths(conn: Connection, tenants: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """Each tenant's chain length and head hash (0 and None for a tenant without records), in
    two statements per 500 tenants. Chain order is row id order, so the head is the record with
    the tenant's largest id; the caller holds one transaction so both statements see one state."""
    r = schema.results
    out: dict[str, tuple[int, str | None]] = dict.fromkeys(tenants, (0, None))
    names = sorted(set(tenants))
    for i in range(0, len(names), 500):
        chunk = names[i : i + 500]
        q = select(r.c.tenant, func.count(), func.max(r.c.id)).where(r.c.tenant.in_(chunk)).group_by(r.c.tenant)
        found = {tenant: (int(n), int(last)) for tenant, n, last in conn.execute(q)}
        ids = [last for _, last in found.values()]
        heads = {i: h for i, h in conn.execute(select(r.c.id, r.c.record_hash).where(r.c.id.in_(ids)))} if ids else {}
        for tenant, (n, last) in found.items():
            out[tenant] = (n, heads.get(last))
    return out


def check_findings_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Findings of one check share run, tenant, control, target and start time."""
    return row["run_id"], row["tenant"], row["control"], row["target"], row["started_at"]


_LIST_COLUMNS: dict[str, tuple[Any, ...]] = {}


def _json_list(text: str) -> list[Any]:
    """A stored HDS-activities or ISO-IDs column: few distinct texts, each parsed once (a fresh
    list is returned every time, so callers may keep or change it)."""
    parsed = _LIST_COLUMNS.get(text)
    if parsed is None:
        value = json.loads(text)
        if not isinstance(value, list) or len(_LIST_COLUMNS) >= 4096:
            return value  # type: ignore[no-any-return]
        parsed = _LIST_COLUMNS[text] = tuple(value)
    return list(parsed)


def record_from_row(row: Sequence[Any]) -> dict[str, Any]:
    """A results row as a record. `row` holds every column in table order (a row of
    `select(schema.results)`, or a driver tuple of `_SELECT_RESULTS`): read by position, which
    costs a fraction of reading a Row by name."""
    (
        _row_id,
        run_id,
        seq,
        tenant,
        control,
        check,
        target_kind,
        target,
        resource,
        status,
        message,
        evidence,
        activities,
        iso27001,
        started_at,
        duration_ms,
        plugin,
        plugin_version,
        prev_hash,
        record_hash,
    ) = row
    return {
        "run_id": run_id,
        "seq": seq,
        "tenant": tenant,
        "control": control,
        "check": check,
        "target_kind": target_kind,
        "target": target,
        "resource": resource,
        "status": status,
        "message": message,
        "evidence": json.loads(evidence),
        "hds_activities": _json_list(activities),
        "iso27001": _json_list(iso27001),
        "started_at": started_at,
        "duration_ms": duration_ms,
        "plugin": plugin,
        "plugin_version": plugin_version,
        "prev_hash": prev_hash,
        "record_hash": record_hash,
    }


_ALL_COLUMNS = tuple(c.name for c in schema.results.columns)
assert _ALL_COLUMNS[0] == "id" and _ALL_COLUMNS[1:] == RESULT_COLUMNS and len(_ALL_COLUMNS) == 20, "see record_from_row"
_SELECT_RESULTS = f"SELECT {', '.join(_ALL_COLUMNS)} FROM {schema.results.name}"


def stream_results(
    engine: Engine, where: str, params: tuple[Any, ...], order: str, sqlite_index: str | None = None
) -> Iterator[Sequence[Any]]:
    """Rows of `results` (every column, table order), streamed. On SQLite through the driver's
    cursor, which steps as rows are fetched (flat memory) at a third of the cost of SQLAlchemy's
    result rows, with `sqlite_index` imposed where its planner (without statistics) would pick a
    worse one; elsewhere through SQLAlchemy with `yield_per` (a server-side cursor on
    PostgreSQL). `where` uses `?` placeholders."""
    with engine.connect() as conn:
        if conn.dialect.driver == "pysqlite":
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            source = f"{_SELECT_RESULTS} INDEXED BY {sqlite_index}" if sqlite_index else _SELECT_RESULTS
            try:
                cursor.execute(f"{source} WHERE {where} ORDER BY {order}", params)
                while batch := cursor.fetchmany(1000):
                    yield from batch
            finally:
                cursor.close()
            return
        r = schema.results
        names = iter(params)
        clause = text(where.replace("?", "{}").format(*(f":p{i}" for i in range(len(params)))))
        q = select(r).where(clause.bindparams(**{f"p{i}": next(names) for i in range(len(params))}))
        yield from conn.execution_options(yield_per=1000).execute(q.order_by(text(order)))
