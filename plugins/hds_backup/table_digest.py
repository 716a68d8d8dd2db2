"""Per-table row counts and order-independent checksums of a PostgreSQL database.

The same function runs on the source (when the manifest is written) and on the scratch copy
(when a restore is verified), so the two can only agree if every row came back unchanged.

Checksum (`row-sha256-sum64/2`): for each row, the first 64 bits of SHA-256 of the row's
content keyed by column name — `json_object(names, values)::text`, the names sorted by their
UTF-8 bytes, each value the column's text form (`col::text`, NULL as JSON null) — read as a
signed integer, summed exactly (PostgreSQL's `sum(bigint)` is numeric): independent of row order,
of physical layout and of the columns' physical order, which pg_dump/pg_restore do not keep for
inherited tables whose parent gained a column later. Computed in one scan in constant memory.
Text forms depend on session settings, so they are fixed first (UTC, ISO dates, shortest exact
floats, hex bytea).

Large objects (`lo_*`: often documents or images referenced by OID from a table) are content a
table digest does not see, and `pg_dump -n SCHEMA` leaves them out without a word. With /2 a
database holding any gets one more entry, `pg_catalog.pg_largeobject`: their number, and the same
sum over each object's OID and bytes (`lo_get`; the role needs SELECT on them, which the
restoring role has as their owner).

`row-sha256-sum64/1` (the whole row's text form `t::text`, in physical column order, no large
objects) is still computed when a manifest written with it is verified.
"""

from __future__ import annotations

from typing import Any

from hds_backup.manifest import TableDigest

DIGEST_ALGORITHM = "row-sha256-sum64/2"
ROW_TEXT_V1 = "row-sha256-sum64/1"
ALGORITHMS = (DIGEST_ALGORITHM, ROW_TEXT_V1)
SESSION_SETTINGS = (
    ("TimeZone", "UTC"),
    ("DateStyle", "ISO, YMD"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "1"),
    ("bytea_output", "hex"),
    ("lc_monetary", "C"),
    ("search_path", "pg_catalog"),
)
TABLES_SQL = """
SELECT n.nspname, c.relname, c.oid
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2
"""


def prepare_session(conn: Any) -> None:
    for name, value in SESSION_SETTINGS:
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))


def list_tables(conn: Any) -> list[tuple[str, str, int]]:
    return [(str(s), str(t), int(oid)) for s, t, oid in conn.execute(TABLES_SQL).fetchall()]


def _row_text(conn: Any, oid: int, algorithm: str) -> Any:
    from psycopg import sql

    if algorithm == ROW_TEXT_V1:
        return sql.SQL("t::text")
    names = [
        str(name)
        for (name,) in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped", (oid,)
        ).fetchall()
    ]
    names.sort(key=lambda n: n.encode("utf-8"))
    keys = sql.SQL(", ").join(sql.Literal(n) for n in names)
    values = sql.SQL(", ").join(sql.SQL("t.{}::text").format(sql.Identifier(n)) for n in names)
    return sql.SQL("json_object(ARRAY[{}]::text[], ARRAY[{}]::text[])::text").format(keys, values)


def table_digest(conn: Any, schema: str, table: str, oid: int, algorithm: str = DIGEST_ALGORITHM) -> TableDigest:
    from psycopg import sql

    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || left(encode(sha256(convert_to({}, 'UTF8')), 'hex'), 16))"
        "::bit(64)::bigint), 0)::text FROM ONLY {}.{} AS t"
    ).format(_row_text(conn, oid, algorithm), sql.Identifier(schema), sql.Identifier(table))
    rows, checksum = conn.execute(query).fetchone()
    return TableDigest(schema=schema, table=table, rows=int(rows), checksum=str(checksum))


LARGE_OBJECTS_SQL = """
SELECT count(*), coalesce(sum(('x' || left(encode(sha256(
         convert_to(m.oid::text, 'UTF8') || '\\x00'::bytea || lo_get(m.oid)), 'hex'), 16))::bit(64)::bigint), 0)::text
FROM pg_largeobject_metadata m
"""


def large_objects_digest(conn: Any) -> TableDigest | None:
    """The large objects as one entry (see the module's docstring), or None when there are none."""
    import psycopg

    if not conn.execute("SELECT EXISTS (SELECT 1 FROM pg_largeobject_metadata)").fetchone()[0]:
        return None
    try:
        with conn.transaction():  # a savepoint: the snapshot's transaction survives a refusal
            count, checksum = conn.execute(LARGE_OBJECTS_SQL).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:
        first = str(exc).strip().splitlines()[0]
        raise PermissionError(f"cannot read the database's large objects to digest them ({first})") from None
    return TableDigest(schema="pg_catalog", table="pg_largeobject", rows=int(count), checksum=str(checksum))


def database_digests(conn: Any, algorithm: str = DIGEST_ALGORITHM) -> list[TableDigest]:
    """Every ordinary table of the connected database (and, with /2, its large objects), in one
    read-only snapshot."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown digest algorithm {algorithm!r}")
    prepare_session(conn)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        digests = [table_digest(conn, schema, table, oid, algorithm) for schema, table, oid in list_tables(conn)]
        if algorithm == DIGEST_ALGORITHM and (objects := large_objects_digest(conn)) is not None:
            digests.append(objects)
        return digests
