"""Scratch resources of a restore test — a database on the scratch server, a directory on disk —
created under a unique name with a fixed prefix, removed on the way out (also on failure,
timeout or interruption), and swept by the next run when a killed process left them behind.

Telling a leftover from a resource another run is still using (shards, parallel workers, two
CronJobs overlapping) needs a liveness signal the kernel or the server clears when the owner
dies, not a guess from age:
- a scratch directory holds a `.lock` file the owner keeps `flock`ed; a lock that can be taken
  belongs to a dead owner (flock locks are released by the kernel when the process dies);
- a scratch database is created by a session whose `application_name` is `hds-restore:<name>`
  and which stays connected until the database is dropped; the server ends that session when
  the owner dies, so a scratch database with no such session is a leftover. Only databases the
  scratch role owns are considered.

What the scratch role may be is in `scratch_role`. A scratch database is closed to other roles
(CONNECT and TEMPORARY revoked from PUBLIC), and dropped without `WITH (FORCE)`, which would need
the right to terminate every session in it, autovacuum workers included (see `drop_database`).
A drop that still fails never hides the restore's verdict: it is reported beside it and the next
run sweeps the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hds_backup.pg_tools import Conninfo, connect
from hds_backup.scratch_role import role_problems

DB_PREFIX = "hds_restore_"
DIR_PREFIX = "hds-restore-"
APP_PREFIX = "hds-restore:"
LOCK_FILE = ".lock"
DROP_ATTEMPTS = 2
"""Each plain DROP DATABASE already waits up to 5 s for autovacuum workers to leave."""
UNLOCKED_GRACE_S = 3600
"""A scratch directory without a lock file is only swept after this long: its owner may be
between mkdir and flock."""


def new_name() -> str:
    """Unique, sortable, and a plain identifier (no quoting needed anywhere)."""
    return f"{int(time.time())}_{secrets.token_hex(6)}"


# -- directories ---------------------------------------------------------------------------


@dataclass
class ScratchDir:
    path: Path
    swept: list[str] = field(default_factory=list)


def sweep_dirs(base: Path) -> list[str]:
    """Remove scratch directories under `base` whose owner is gone; return their names."""
    swept: list[str] = []
    if not base.is_dir():
        return swept
    for entry in sorted(base.glob(DIR_PREFIX + "*")):
        if entry.is_symlink() or not entry.is_dir():
            continue
        lock = entry / LOCK_FILE
        try:
            fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - entry.stat().st_mtime > UNLOCKED_GRACE_S:
                    shutil.rmtree(entry, ignore_errors=True)
                    swept.append(entry.name)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # alive
        try:
            shutil.rmtree(entry, ignore_errors=True)
            swept.append(entry.name)
        finally:
            os.close(fd)
    return swept


@contextmanager
def scratch_dir(base: Path) -> Iterator[ScratchDir]:
    """A private directory under `base` (mode 0700), locked while in use, always removed."""
    base.mkdir(parents=True, exist_ok=True)
    swept = sweep_dirs(base)
    path = base / f"{DIR_PREFIX}{new_name()}"
    path.mkdir(mode=0o700)
    fd = -1
    try:
        fd = os.open(path / LOCK_FILE, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield ScratchDir(path, swept)
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if fd >= 0:
            os.close(fd)


# -- databases -----------------------------------------------------------------------------


@dataclass
class ScratchDatabase:
    name: str
    control: Any
    """The owner's session: keep it open while the database exists."""
    server_version: int
    swept: list[str] = field(default_factory=list)
    cleanup_problem: str = ""
    """Set on the way out when the database could not be dropped (left for the next run)."""


def sweep_databases(conn: Any) -> list[str]:
    """Drop scratch databases owned by the current role whose creating session is gone. One that
    cannot be dropped now (e.g. a superuser session is connected to it) is left for a later run."""
    import psycopg

    rows = conn.execute(
        """
        SELECT d.datname FROM pg_database d
        WHERE d.datname LIKE %s AND pg_get_userbyid(d.datdba) = current_user
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = %s || d.datname)
        ORDER BY 1
        """,
        (DB_PREFIX.replace("_", r"\_") + "%", APP_PREFIX),
    ).fetchall()
    swept = []
    for (name,) in rows:
        try:
            drop_database(conn, str(name))
        except psycopg.Error:
            continue
        swept.append(str(name))
    return swept


def drop_database(conn: Any, name: str, attempts: int = DROP_ATTEMPTS) -> None:
    """A plain DROP DATABASE, retried briefly. Not `WITH (FORCE)`: that terminates every session
    in the database and fails when the scratch role may not terminate one (an autovacuum worker
    analysing the restored tables, another role's session), whereas a plain DROP asks autovacuum
    workers to leave and waits for them. Stray sessions of the scratch role itself are ended
    first. Raises psycopg.Error when the database is still in use after the last attempt."""
    import psycopg
    from psycopg import sql

    for attempt in range(1, attempts + 1):
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND usename = current_user",
            (name,),
        )
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            return
        except psycopg.errors.ObjectInUse:
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)


@contextmanager
def scratch_database(
    conninfo: Conninfo, timeout_s: float, allow_superuser: bool = False, comment: str = ""
) -> Iterator[ScratchDatabase]:
    """A new, empty database on the scratch server, dropped on the way out. Leftovers of dead
    runs are swept first. A privileged scratch role is refused unless allowed (`scratch_role`):
    a restored dump runs its SQL as that role. A failed drop is recorded in `cleanup_problem`,
    never raised."""
    import psycopg
    from psycopg import sql

    name = DB_PREFIX + new_name()
    control = connect(conninfo, timeout_s=timeout_s, application_name=APP_PREFIX + name)
    created = False
    db = ScratchDatabase(name, control, control.info.server_version)
    try:
        problems = role_problems(control)
        if problems and not allow_superuser:
            raise PermissionError(
                f"the scratch role of {conninfo.describe()} is refused: {'; '.join(problems)}. A restored dump "
                "runs its SQL with that role's powers: use a role of its own per tenant with only LOGIN CREATEDB "
                "(or set restore.allow_superuser: true)"
            )
        db.swept = sweep_databases(control)
        ident = sql.Identifier(name)
        control.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(ident))
        created = True
        control.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(ident))
        if comment:
            control.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(comment[:500])))
        yield db
    finally:
        try:
            if created:
                drop_database(control, name)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            db.cleanup_problem = f"scratch database {name} could not be dropped ({first}); the next run removes it"
        finally:
            control.close()
