"""What differs between SQLite and PostgreSQL: engine setup, append-only enforcement, and how a
writer takes a tenant's chain head so that two concurrent runners never fork a chain.

Why a lock around "read head, hash, insert": each record carries the hash of the tenant's previous
record, so two writers that read the same head and both append would fork the chain (and the
second fork would not verify). The lock makes the three steps atomic per tenant:

- SQLite: every write transaction starts with `BEGIN IMMEDIATE`, which takes the database's single
  write lock up front (other writers wait, `busy_timeout`); readers are not blocked (WAL).
- PostgreSQL: `pg_advisory_xact_lock` on a key derived from the tenant id, taken in sorted tenant
  order (no deadlock) and released at commit; writers for other tenants proceed in parallel.

A unique index on (tenant, prev_hash) is the backstop: a fork, whatever its cause, is refused by
the database itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL

from controlplane.store import schema

_BEGIN_OPTION = "hds_sqlite_begin"
_SCHEMA_LOCK = 0x4844_5300  # "HDS\0": serialises schema creation between processes on PostgreSQL


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off so that `_sqlite_begin` decides the mode.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement on SQLite."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


def tenant_lock_key(tenant: str) -> int:
    """A stable signed 64-bit key per tenant for PostgreSQL advisory locks."""
    digest = hashlib.sha256(b"hds-chain\0" + tenant.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_chains(conn: Connection, tenants: Iterable[str]) -> None:
    """Hold the chain head of each tenant until the transaction ends (see module docstring)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the only write lock
    for tenant in sorted(set(tenants)):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": tenant_lock_key(tenant)})


def create_schema(engine: Engine) -> None:
    """Tables, indexes and append-only enforcement; idempotent and safe to run concurrently."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        schema.metadata.create_all(conn)
        _add_missing_columns(conn)
        statements = schema.POSTGRESQL_APPEND_ONLY if conn.dialect.name == "postgresql" else schema.SQLITE_APPEND_ONLY
        for statement in statements:
            conn.exec_driver_sql(statement)


def _add_missing_columns(conn: Connection) -> None:
    """Columns added after a store was created (`schema.ADDED_COLUMNS`): nullable, so the rows
    already there keep their meaning (an old seal has no counts digest: it is a version-1 seal)."""
    for table, column, sql_type in schema.ADDED_COLUMNS:
        present = {c["name"] for c in inspect(conn).get_columns(table)}
        if column not in present:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def schema_is_current(engine: Engine) -> bool:
    """Every table and added column present: a reader need not write (a read-only store opens)."""
    with engine.connect() as conn:
        insp = inspect(conn)
        tables = set(insp.get_table_names())
        if not {t.name for t in schema.metadata.sorted_tables} <= tables:
            return False
        return all(column in {c["name"] for c in insp.get_columns(table)} for table, column, _ in schema.ADDED_COLUMNS)


def foreign_tables(engine: Engine) -> list[str]:
    """Tables of a database that holds no evidence store: what opening it as one would mix with."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    return [] if "results" in tables and "runs" in tables else sorted(tables)
