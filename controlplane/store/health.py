"""Before a store is used: is it an evidence store at all, is the file sound, is its schema current.

Why here and not left to the first query: a foreign SQLite file would otherwise get our tables
created in it, and a file with a corrupted page would be written into silently by `run` (SQLite
reads only the pages a query touches) and pass `evidence verify` when the damaged page is one the
verification does not read (an index, the free list). SQLite's `integrity_check` reads every page
and checks every index against its table; `quick_check` skips the index contents, for speed.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from controlplane.errors import InputError
from controlplane.store.engine import create_schema, foreign_tables, make_engine, schema_is_current
from controlplane.store.faults import StoreFault


def sqlite_integrity(engine: Engine, full: bool) -> list[str]:
    """SQLite's findings on the file (at most 20), empty when it is sound."""
    pragma = "integrity_check" if full else "quick_check"
    with engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}(20)")]
    if rows == ["ok"]:
        return []
    lines = (line.strip() for row in rows for line in row.splitlines())
    return [line for line in lines if line and not line.startswith("*** in database")]


def prepare_store(engine: Engine, create: bool, where: str, integrity: str | None) -> None:
    """Refuse what is not an evidence store, check the file if asked ("quick" or "full"), and
    create or upgrade the schema only when something is missing, so that a reader opens a store
    on a read-only disk."""
    sqlite = engine.dialect.name == "sqlite"
    foreign = foreign_tables(engine) if sqlite else []
    if foreign:
        raise InputError.single(
            "--store", "", f"{where} is not an evidence store (it holds other tables: {', '.join(foreign[:5])})"
        )
    if integrity is not None and sqlite:
        pragma = "integrity_check" if integrity == "full" else "quick_check"
        found = sqlite_integrity(engine, integrity == "full")
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise StoreFault(
                where,
                f"the store is corrupted: SQLite {pragma}: {found[0]}{more}; "
                "nothing was written — restore the store from a backup",
            )
    if schema_is_current(engine):
        return
    if not create and sqlite and not _has_tables(engine):
        raise InputError.single("--store", "", f"{where} is not an evidence store (an empty database)")
    create_schema(engine)


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def on_read_only_fs(database: str) -> bool:
    try:
        return bool(os.statvfs(Path(database).parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def open_immutable(database: str, where: str, integrity: str | None) -> Engine:
    """A store on read-only media (an archived copy, a read-only mount), opened to be read: SQLite
    cannot open a WAL database there the usual way (it needs to create `-shm`), so the file is
    opened `immutable` — which is exact only when no `-wal` file holds changes not yet written
    back; then it is refused rather than read stale."""
    wal = Path(f"{database}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreFault(
            where, f"the store is on a read-only filesystem and {wal.name} holds changes not written back: copy both"
        )
    engine = make_engine(make_url(f"sqlite:///file:{database}?mode=ro&immutable=1&uri=true"))
    try:
        prepare_store(engine, False, where, integrity)
    except BaseException:
        engine.dispose()
        raise
    return engine
