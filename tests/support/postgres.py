"""A real PostgreSQL server in a temporary directory, for tests (evidence store, backup restore).

The server helper lives in the backup plugin's demo package (`hds_backup.demo.local_postgres`),
because `hdsctl demo` ships in the wheel and needs the same throw-away server; this module keeps the tests' names.

    with PostgresServer() as pg:
        url = pg.url(pg.create_database())      # postgresql+psycopg://postgres@127.0.0.1:PORT/db
        subprocess.run([pg.tool("pg_dump"), "-Fc", "-d", pg.dsn(db), ...], env=pg.env(), check=True)

`find_bindir()` returns None when no server binaries are installed; fixtures skip on that alone.
"""

from __future__ import annotations

from hds_backup.demo.local_postgres import SERVER_USER, SUPERUSER, LocalPostgres, PostgresError, find_bindir, free_port

PostgresServer = LocalPostgres

__all__ = ["SERVER_USER", "SUPERUSER", "PostgresError", "PostgresServer", "find_bindir", "free_port"]
