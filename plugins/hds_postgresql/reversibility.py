"""Reversibility export of a `postgresql` target: each of the tenant's databases as a departing
client would receive it — `pg_dump` plain SQL (schema and data; schema only for a sample) and one
CSV file per table (COPY … TO STDOUT, with a header) — with each table's rows compared with a
`count(*)` taken in the same snapshot.

One REPEATABLE READ, READ ONLY transaction per database exports its snapshot; pg_dump imports it
(`--snapshot`), so the SQL dump, the CSV files and the counts all describe the same instant. Each
table is read in a savepoint: a table the role may not read is `unreadable` (named), the others go
on. Bounds: the statement timeout and a check per chunk stop at the request's deadline; pg_dump runs
without a shell, the connection in its environment, killed at the deadline; the bytes written are
bounded by the request's limit (a dump past it is deleted and named).

The role: never privileged. A superuser, or a role with CREATEROLE, REPLICATION or BYPASSRLS, or a
member of a server-wide predefined role (server files and programs, all data), is refused: the
export must read the tenant's data through a role that can read nothing else of the server.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from pathlib import Path
from typing import Any

from controlplane.reversibility.model import ExportOutcome, ExportRequest, InventoryItem, ItemState
from controlplane.secrets import redact
from hds_postgresql.api import Conninfo, ToolTimeout, connect, find_client_bindir, run_tool
from hds_postgresql.target import PostgresTarget

PLAIN_NAME = re.compile(r"^[A-Za-z0-9_$-]{1,100}$")
CHUNK_HINT = 1024 * 1024
_PRIVILEGED_SQL = r"""
SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
       r.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files',
                     'pg_write_all_data', 'pg_read_all_data', 'pg_signal_backend')
FROM pg_roles u JOIN pg_roles r ON pg_has_role(u.oid, r.oid, 'MEMBER')
WHERE u.rolname IN (session_user, current_user)
"""
_TABLES_SQL = r"""
SELECT n.nspname, c.relname, pg_table_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
ORDER BY 1, 2
"""


def role_problem(conn: Any) -> str:
    """Why the connected role is too powerful to export with ("" when it is not)."""
    for role, superuser, createrole, replication, bypassrls, predefined in conn.execute(_PRIVILEGED_SQL).fetchall():
        held = [n for n, on in (("SUPERUSER", superuser), ("CREATEROLE", createrole),
                                ("REPLICATION", replication), ("BYPASSRLS", bypassrls)) if on]  # fmt: skip
        if held:
            return f"role {role} has {', '.join(held)}"
        if predefined:
            return f"the role is a member of {role}"
    return ""


def _file_name(schema: str, table: str) -> str:
    if PLAIN_NAME.fullmatch(schema) and PLAIN_NAME.fullmatch(table):
        return f"{schema}.{table}.csv"
    return f"_tables/{hashlib.sha256(f'{schema}.{table}'.encode()).hexdigest()[:32]}.csv"


def export_postgresql(target: PostgresTarget, request: ExportRequest) -> ExportOutcome:
    started = time.monotonic()
    conninfo = Conninfo.from_ref(target.export.dsn or target.dsn)
    databases = list(target.export.databases) or [conninfo.params.get("dbname", "")]
    if not databases[0]:
        return ExportOutcome(target.name, (), 0, 0, 0, 0.0, error="name the tenant's databases (export.databases)")
    run = _Export(target, conninfo, request)
    for db in databases:
        try:
            run.database(db)
        except _Refused as exc:
            return ExportOutcome(target.name, (), 0, 0, 0, time.monotonic() - started, error=str(exc))
        except Exception as exc:  # a database that cannot be reached or read: named, the test fails
            reason = redact(f"{type(exc).__name__}: {exc}".splitlines()[0])[:300]
            run.items.append(InventoryItem("database", db, "", None, None, ItemState.unreadable, reason))
    notes = ["databases: pg_dump plain SQL (no owners, no privileges) and one CSV per table, in one snapshot"]
    if request.sample is not None:
        notes.append(f"sample: schema-only SQL dump and CSV of {request.sample} table(s) at most per database")
    notes.append("live bytes: on-disk table sizes (pg_table_size), an estimate of the export's size")
    return ExportOutcome(
        target.name, tuple(run.items), run.live_items, run.live_bytes, run.written, time.monotonic() - started,
        tuple(notes),
    )  # fmt: skip


class _Refused(Exception):
    pass


class _Export:
    def __init__(self, target: PostgresTarget, conninfo: Conninfo, request: ExportRequest) -> None:
        self.target = target
        self.conninfo = conninfo
        self.request = request
        self.items: list[InventoryItem] = []
        self.live_items = 0
        self.live_bytes = 0
        self.written = 0

    def database(self, db: str) -> None:
        import psycopg

        timeout = max(1.0, self.request.time_left())
        with connect(self.conninfo, db, min(30.0, timeout), application_name="hds-controlplane reversibility") as conn:
            problem = role_problem(conn)
            if problem:
                raise _Refused(
                    f"refused to export with {self.conninfo.describe()}: {problem}; use a role that only reads "
                    "the tenant's databases"
                )
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                conn.execute("SELECT set_config('statement_timeout', %s, true)", (f"{int(timeout * 1000)}ms",))
                snapshot = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])
                tables = [(str(s), str(t), int(n or 0)) for s, t, n in conn.execute(_TABLES_SQL).fetchall()]
                self.live_items += len(tables)
                self.live_bytes += sum(n for _, _, n in tables)
                chosen = tables
                if self.request.sample is not None and len(tables) > self.request.sample:
                    picked = set(random.Random(self.request.seed).sample(range(len(tables)), self.request.sample))
                    chosen = [t for i, t in enumerate(tables) if i in picked]
                self._dump(db, snapshot)
                for schema, table, _ in chosen:
                    self.items.append(self._table(conn, db, schema, table))

    def _dump(self, db: str, snapshot: str) -> None:
        path = self.request.dest / f"{db}.sql"
        rel = path.name
        location = f"{db} (pg_dump plain SQL)"
        try:
            bindir = find_client_bindir(self.target.export.pg_bindir, "pg_dump")
        except FileNotFoundError as exc:
            self.items.append(InventoryItem("dump", location, "", None, None, ItemState.unreadable, str(exc)))
            return
        argv = [str(bindir / "pg_dump"), "--format=plain", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                f"--file={path}"]  # fmt: skip
        if self.request.sample is not None:
            argv.append("--schema-only")
        env = self.conninfo.tool_env(db)
        env["PGAPPNAME"] = "hds-controlplane reversibility"
        try:
            ran = run_tool(argv, env, self.request.deadline)
        except ToolTimeout as exc:
            path.unlink(missing_ok=True)
            self.items.append(InventoryItem("dump", location, "", None, None, ItemState.unreadable, str(exc)))
            return
        if ran.returncode != 0 or not path.is_file():
            path.unlink(missing_ok=True)
            lines = ran.stderr_tail.splitlines()
            said = next((x for x in lines if "error:" in x), lines[-1] if lines else "")
            detail = f"pg_dump exited {ran.returncode}: {said}"
            self.items.append(InventoryItem("dump", location, "", None, None, ItemState.unreadable, detail[:300]))
            return
        size = path.stat().st_size
        if self.written + size > self.request.max_bytes:
            path.unlink()
            self.items.append(
                InventoryItem("dump", location, "", size, None, ItemState.unreadable, "past the export's size bound")
            )
            return
        self.written += size
        self.items.append(InventoryItem("dump", location, rel, size, _sha256(path), ItemState.ok))

    def _table(self, conn: Any, db: str, schema: str, table: str) -> InventoryItem:
        from psycopg import sql

        location = f"{db}.{schema}.{table}"
        rel = f"{db}/{_file_name(schema, table)}"
        path = self.request.dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        name = sql.Identifier(schema, table)
        digest, size, cut = hashlib.sha256(), 0, ""
        try:
            with conn.transaction():  # a savepoint: one unreadable table does not end the export
                live = int(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()[0])
                with conn.cursor() as cur, path.open("xb") as out:
                    with cur.copy(sql.SQL("COPY {} TO STDOUT (FORMAT csv, HEADER)").format(name)) as copy:
                        for chunk in copy:
                            if time.monotonic() > self.request.deadline:
                                cut = "cut off: the test's time budget was spent while reading it"
                                break
                            size += len(chunk)
                            if self.written + size > self.request.max_bytes:
                                cut = "past the export's size bound: reading stopped"
                                break
                            digest.update(chunk)
                            out.write(chunk)
                    rows = cur.rowcount
        except Exception as exc:
            path.unlink(missing_ok=True)
            reason = redact(f"{type(exc).__name__}: {exc}".strip().splitlines()[0])[:300]
            return InventoryItem("table", location, "", None, None, ItemState.unreadable, reason)
        self.written += size
        if cut:
            return InventoryItem("table", location, rel, size, None, ItemState.unreadable, cut)
        state = ItemState.ok if rows == live else ItemState.mismatch
        detail = "" if rows == live else f"exported {rows} rows, the table holds {live}"
        return InventoryItem("table", location, rel, size, digest.hexdigest(), state, detail, rows=rows, live_rows=live)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_HINT):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_postgresql(target: PostgresTarget, tenant: Any, deadline: float) -> Any:
    """`hdsctl reversibility destroy-check`: none of the tenant's databases (`export.databases`, else
    the DSN's) may remain on the server. Read through the maintenance database `postgres`, since
    the tenant's own is expected to be gone."""
    from controlplane.reversibility.model import Inspection, Remain

    conninfo = Conninfo.from_ref(target.export.dsn or target.dsn)
    wanted = list(target.export.databases) or [conninfo.params.get("dbname", "")]
    wanted = [w for w in wanted if w]
    if not wanted:
        return Inspection(target.name, (), (), error="name the tenant's databases (export.databases)")
    timeout = max(2.0, min(30.0, deadline - time.monotonic()))
    with connect(conninfo, "postgres", timeout, application_name="hds-controlplane destroy-check") as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s) ORDER BY 1", (wanted,)).fetchall()
    left = [str(r[0]) for r in rows]
    remains = tuple(Remain("database", f"{target.name}: {name}", "the database still exists") for name in left)
    checked = tuple(f"database {name}: absent" for name in wanted if name not in left)
    return Inspection(target.name, remains, checked)
