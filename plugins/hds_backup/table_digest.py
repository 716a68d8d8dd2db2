"""Per-table row counts and order-independent checksums of a PostgreSQL database.

The same function runs on the source (when the manifest is written) and on the scratch copy
(when a restore is verified), so the two can only agree if every row came back unchanged.

Checksum (`row-sha256-sum64/1`): for each row, the first 64 bits of SHA-256 of its text form
(`t::text`), read as a signed integer, summed exactly (PostgreSQL's `sum(bigint)` is numeric):
independent of row order and of physical layout, computed in one scan in constant memory. The
row's text form depends on session settings, so they are fixed first (UTC, ISO dates, shortest
exact floats, hex bytea).
"""

from __future__ import annotations

from typing import Any

from hds_backup.manifest import TableDigest

DIGEST_ALGORITHM = "row-sha256-sum64/1"
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
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2
"""


def prepare_session(conn: Any) -> None:
    for name, value in SESSION_SETTINGS:
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))


def list_tables(conn: Any) -> list[tuple[str, str]]:
    return [(str(s), str(t)) for s, t in conn.execute(TABLES_SQL).fetchall()]


def table_digest(conn: Any, schema: str, table: str) -> TableDigest:
    from psycopg import sql

    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || left(encode(sha256(convert_to(t::text, 'UTF8')), 'hex'), 16))"
        "::bit(64)::bigint), 0)::text FROM ONLY {}.{} AS t"
    ).format(sql.Identifier(schema), sql.Identifier(table))
    rows, checksum = conn.execute(query).fetchone()
    return TableDigest(schema=schema, table=table, rows=int(rows), checksum=str(checksum))


def database_digests(conn: Any) -> list[TableDigest]:
    """Every ordinary table of the connected database, in one read-only snapshot."""
    prepare_session(conn)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return [table_digest(conn, schema, table) for schema, table in list_tables(conn)]
