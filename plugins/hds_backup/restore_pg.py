"""Restore a PostgreSQL artefact into a scratch database and compare it with its manifest.

Custom-format dumps go through `pg_restore --exit-on-error` (without owners, privileges,
subscriptions, publications, tablespaces or security labels: none of them may reach outside the
scratch database). Plain SQL goes through `psql -v ON_ERROR_STOP=1` in psql's *restricted*
mode (`\\restrict` with a key only this process knows): a backslash command hidden in the SQL
(`\\!` shell, `\\o |program`, `\\copy ... program`, `\\connect`) is refused instead of run. The
dump's own `\\restrict`/`\\unrestrict` lines (pg_dump since 17.6/16.10/15.14) are dropped while
the artefact is written to disk. psql older than those releases refuses `\\restrict` and the
restore fails closed.

Connection parameters reach the tools as `PG*` variables (see `pg_tools`), never as arguments.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from hds_backup.manifest import TableDigest
from hds_backup.pg_tools import Conninfo, connect, find_client_bindir, run_tool, tool_version
from hds_backup.scratch import ScratchDatabase, scratch_database
from hds_backup.streams import CHUNK, SizeLimitExceeded
from hds_backup.table_digest import DIGEST_ALGORITHM, database_digests, prepare_session
from hds_backup.target import SanityQuery

RESTORE_FLAGS = (
    "--exit-on-error",
    "--no-owner",
    "--no-privileges",
    "--no-subscriptions",
    "--no-publications",
    "--no-tablespaces",
    "--no-security-labels",
)
_RESTRICT_LINE = re.compile(rb"^\\(un)?restrict [A-Za-z0-9]+\s*$")
_COPY_FROM_STDIN = re.compile(rb"^COPY .* FROM stdin;\s*$")
_END_OF_COPY = b"\\."
HEAD_LINES = 100
TAIL_BYTES = 1024 * 1024


class _LimitedWriter:
    def __init__(self, dst: BinaryIO, limit: int) -> None:
        self.dst, self.limit, self.written = dst, limit, 0

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if self.written > self.limit:
            raise SizeLimitExceeded(f"the restored data exceeds max_bytes ({self.limit} bytes)")
        self.dst.write(data)


def write_plain_sql(src: BinaryIO, dst: BinaryIO, limit: int) -> tuple[int, int]:
    """Copy plain SQL, dropping the dump's own `\\restrict` line (among its leading comments) and
    `\\unrestrict` line (in its last megabyte, outside COPY data); the middle is copied in bulk.
    Returns (bytes written, lines dropped). A line dropped wrongly can only change restored data,
    which the manifest comparison then reports: never a way around the restricted mode."""
    out = _LimitedWriter(dst, limit)
    dropped = 0
    bare = b""
    for _ in range(HEAD_LINES):
        line = src.readline()
        if not line:
            break
        bare = line.rstrip(b"\r\n")
        if _RESTRICT_LINE.match(bare):
            dropped += 1
            continue
        out.write(line)
        if bare and not bare.startswith(b"--"):
            break
    head_in_copy = bool(_COPY_FROM_STDIN.match(bare))
    tail, mid_line, middle = b"", False, False
    while chunk := src.read(CHUNK):
        data = tail + chunk
        if len(data) <= TAIL_BYTES:
            tail = data
            continue
        cut = data.rfind(b"\n", 0, len(data) - TAIL_BYTES) + 1
        if cut == 0:
            cut, mid_line = len(data) - TAIL_BYTES, True
        else:
            mid_line = False
        out.write(data[:cut])
        tail, middle = data[cut:], True
    in_copy: bool | None = None if middle else head_in_copy  # None: unknown until a COPY start or end
    for n, line in enumerate(tail.splitlines(keepends=True)):
        bare = line.rstrip(b"\r\n")
        if n == 0 and mid_line:
            pass
        elif in_copy:
            in_copy = bare != _END_OF_COPY
        elif _RESTRICT_LINE.match(bare):
            dropped += 1
            continue
        elif _COPY_FROM_STDIN.match(bare):
            in_copy = True
        elif bare == _END_OF_COPY:
            in_copy = False
        out.write(line)
    return out.written, dropped


@dataclass(frozen=True)
class PgRestoreResult:
    ok: bool
    message: str
    restore_s: float
    verify_s: float
    scratch: str
    tool: str
    digests: tuple[TableDigest, ...] = ()
    sanity: tuple[dict[str, Any], ...] = ()
    swept: tuple[str, ...] = ()
    cleanup_problem: str = ""
    """The scratch database could not be dropped: reported beside the verdict, never instead."""


def restore_and_digest(
    artefact: Path,
    fmt: str,
    conninfo: Conninfo,
    deadline: float,
    *,
    pg_bindir: str | None = None,
    allow_superuser: bool = False,
    sanity_queries: Sequence[SanityQuery] = (),
    comment: str = "",
    on_scratch: Callable[[str], None] | None = None,
    algorithm: str = DIGEST_ALGORITHM,
) -> PgRestoreResult:
    """Restore `artefact` (a decompressed dump on disk) into a new scratch database, read back
    every table's digest and run the sanity queries; the scratch database is always dropped (or,
    when that fails, the failure is reported in `cleanup_problem` beside the result)."""
    tool = "pg_restore" if fmt == "pg_custom" else "psql"
    bindir = find_client_bindir(pg_bindir, tool)
    version = tool_version(bindir, tool)
    budget = max(1.0, deadline - time.monotonic())
    with scratch_database(conninfo, budget, allow_superuser, comment) as db:
        result = _restore_into(
            db, artefact, fmt, conninfo, deadline, bindir, version, sanity_queries, on_scratch, algorithm
        )
    return dataclasses.replace(result, cleanup_problem=db.cleanup_problem) if db.cleanup_problem else result


def _restore_into(
    db: ScratchDatabase,
    artefact: Path,
    fmt: str,
    conninfo: Conninfo,
    deadline: float,
    bindir: Path,
    version: str,
    sanity_queries: Sequence[SanityQuery],
    on_scratch: Callable[[str], None] | None,
    algorithm: str,
) -> PgRestoreResult:
    tool = "pg_restore" if fmt == "pg_custom" else "psql"
    if on_scratch is not None:
        on_scratch(db.name)
    env = conninfo.tool_env(db.name)
    if fmt == "pg_custom":
        argv = [str(bindir / "pg_restore"), *RESTORE_FLAGS, "-d", db.name, str(artefact)]
        run = run_tool(argv, env, deadline)
    else:
        key = secrets.token_hex(16)
        argv = [str(bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\restrict {key}", "-f", "-"]
        run = run_tool([*argv, "-d", db.name], env, deadline, stdin_path=artefact)
    if run.returncode != 0:
        reason = run.stderr_tail or f"exit code {run.returncode}"
        return PgRestoreResult(
            False,
            f"{tool} failed (exit {run.returncode}): {reason}",
            run.seconds,
            0.0,
            db.name,
            version,
            swept=tuple(db.swept),
        )
    started = time.monotonic()
    with connect(conninfo, db.name, timeout_s=max(1.0, deadline - started)) as conn:
        digests = tuple(database_digests(conn, algorithm))
        sanity = tuple(run_sanity(conn, q) for q in sanity_queries)
    return PgRestoreResult(
        True,
        "restored",
        run.seconds,
        time.monotonic() - started,
        db.name,
        version,
        digests,
        sanity,
        tuple(db.swept),
    )


def run_sanity(conn: Any, query: SanityQuery) -> dict[str, Any]:
    """One configured query in a read-only transaction; the first column of the first row is
    compared as text with the expected value."""
    import psycopg

    prepare_session(conn)
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            row = conn.execute(query.sql).fetchone()  # type: ignore[arg-type]
    except psycopg.Error as exc:
        return {"sql": query.sql, "expect": query.expect, "ok": False, "error": str(exc).strip().splitlines()[0][:300]}
    got = None if row is None or row[0] is None else str(row[0])
    return {"sql": query.sql, "expect": query.expect, "got": got, "ok": got == query.expect}
