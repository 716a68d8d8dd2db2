"""Run leases: which process is running which run, so that a run whose runner died is seen as
interrupted, and two `hdsctl run` never sweep the same tenants of one store at once.

Why a lease and not just the run's status: a process killed with SIGKILL (OOM killer, node
loss, `kill -9`) never reaches the code that marks its run finished, so a run row saying
"running" proves nothing. Each run in progress holds one row of `run_leases` naming its runner
(host and PID namespace, pid, the pid's start time) and a heartbeat the runner refreshes every
`HEARTBEAT_S`. A lease is *live* when its heartbeat is younger than `TTL_S` and, when the runner
is on this host, its process still exists (pid and start time match, not a zombie). A run whose
status is "running" without a live lease is reported as "interrupted".

A heartbeat more than `MAX_CLOCK_SKEW_S` in the future is invalid, never live: clocks of the hosts
sharing a store differ by seconds, not minutes, and a lease written with a far-future heartbeat
(a forged row, a host with a broken clock) would otherwise count as live for ever — hiding an
unsealed run from `evidence verify` and blocking every later run of its tenants.

Leases are taken in one write transaction (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction
advisory lock), which also clears dead leases and marks their runs interrupted, so two runners
cannot both see the tenants free.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from controlplane.errors import InputError, Problem
from controlplane.results import RunStatus
from controlplane.store import schema
from controlplane.store.chain import canonical_json

if TYPE_CHECKING:
    from controlplane.store.location import RunRecord

HEARTBEAT_S = 10.0
"""How often a runner refreshes its leases."""
TTL_S = 60.0
"""A lease not refreshed for this long is dead, wherever its runner was."""
MAX_CLOCK_SKEW_S = 30.0
"""A heartbeat further in the future than this is invalid (see module docstring)."""
_LEASE_LOCK = 0x4844_534C  # "HDSL": serialises lease changes on PostgreSQL


@dataclass(frozen=True)
class Owner:
    """Identifies a process well enough to tell, from the same host, whether it still runs."""

    host: str
    pid: int
    process_start: str


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def process_start(pid: int) -> str | None:
    """The pid's start time (clock ticks since boot, Linux), "" where /proc is missing, None when
    no such process runs (exited, or a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


@cache
def _me(pid: int) -> Owner:
    return Owner(f"{socket.gethostname()} {_pid_namespace()}".strip(), pid, process_start(pid) or "")


def this_process() -> Owner:
    return _me(os.getpid())  # keyed by pid: a forked child is another owner


def heartbeat_problem(row: Any, now: float) -> str | None:
    """Why the lease's heartbeat cannot be trusted (stale, or dated in the future), or None."""
    age = now - float(row.heartbeat_at)
    if age < -MAX_CLOCK_SKEW_S:
        return f"its heartbeat is dated {-age:.0f}s in the future (clock skew or a forged lease)"
    if age > TTL_S:
        return f"its heartbeat is {age:.0f}s old (runner gone)"
    return None


def is_live(row: Any, now: float, me: Owner | None = None) -> bool:
    """Heartbeat fresh (and not dated in the future) and, when the owner is on this host (same
    PID namespace), still running."""
    if heartbeat_problem(row, now) is not None:
        return False
    me = me or this_process()
    if row.host != me.host:
        return True  # another host: only the heartbeat tells
    start = process_start(int(row.pid))
    return start is not None and (not row.process_start or not start or start == row.process_start)


class RunInProgress(InputError):
    """Another live runner holds the run or some of its tenants (exit code 2, nothing written)."""

    def __init__(self, location: str, holder: str, reason: str) -> None:
        self.holder = holder
        self.reason = reason
        super().__init__([Problem(location, "", f"{reason}; retry later, or pass --wait")])


def _describe(row: Any, now: float) -> str:
    host = str(row.host).split(" ", 1)[0]
    return f"pid {row.pid} on {host}, last heartbeat {max(0, now - float(row.heartbeat_at)):.0f}s ago"


def _names(tenants: Iterable[str], limit: int = 5) -> str:
    items = sorted(tenants)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def acquire(
    conn: Connection, run_id: str, tenants: Sequence[str], exclusive: bool, location: str, now: float | None = None
) -> None:
    """Take the lease of `run_id` inside the caller's write transaction. Dead leases are cleared
    (their runs marked interrupted); a live lease on the same run, or, when `exclusive`, on any
    of `tenants`, raises `RunInProgress`."""
    now = time.time() if now is None else now
    me = this_process()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEASE_LOCK})
    lt = schema.leases
    rows = list(conn.execute(select(lt)))
    dead = [r for r in rows if not is_live(r, now, me)]
    for r in dead:
        conn.execute(delete(lt).where(lt.c.run_id == r.run_id))
        conn.execute(
            update(schema.runs)
            .where(schema.runs.c.run_id == r.run_id, schema.runs.c.status == RunStatus.running.value)
            .values(status=RunStatus.interrupted.value, finished_at=_iso(float(r.heartbeat_at)))
        )
    live = [r for r in rows if r not in dead]
    for r in live:
        if r.run_id == run_id:
            raise RunInProgress(location, r.run_id, f"run {run_id} is already being run ({_describe(r, now)})")
    if exclusive:
        wanted = set(tenants)
        for r in live:
            shared = wanted & set(json.loads(r.tenants))
            if shared:
                raise RunInProgress(
                    location,
                    r.run_id,
                    f"another run ({r.run_id}) is in progress for tenants {_names(shared)} ({_describe(r, now)})",
                )
    conn.execute(
        insert(lt).values(
            run_id=run_id,
            tenants=canonical_json(sorted(set(tenants))),
            exclusive=int(exclusive),
            host=me.host,
            pid=me.pid,
            process_start=me.process_start,
            acquired_at=now,
            heartbeat_at=now,
        )
    )


def release(conn: Connection, run_id: str) -> None:
    """Drop this process's lease on `run_id` (a lease another process took over is left alone)."""
    me = this_process()
    lt = schema.leases
    conn.execute(delete(lt).where(lt.c.run_id == run_id, lt.c.host == me.host, lt.c.pid == me.pid))


def with_liveness(conn: Connection, runs: list[RunRecord]) -> list[RunRecord]:
    """Runs as they really are: "running" without a live lease means interrupted."""
    if not any(r.status == RunStatus.running for r in runs):
        return runs
    now = time.time()
    me = this_process()
    live = {row.run_id for row in conn.execute(select(schema.leases)) if is_live(row, now, me)}
    return [
        replace(r, status=RunStatus.interrupted) if r.status == RunStatus.running and r.run_id not in live else r
        for r in runs
    ]


@dataclass(frozen=True)
class LeaseView:
    """A run's lease as `evidence verify` reports it."""

    run_id: str
    live: bool
    description: str


def describe_lease(conn: Connection, run_id: str, now: float | None = None) -> LeaseView | None:
    """The lease of `run_id`, if a row exists: who holds it and whether it is live (and why not)."""
    now = time.time() if now is None else now
    lt = schema.leases
    row = conn.execute(select(lt).where(lt.c.run_id == run_id)).first()
    if row is None:
        return None
    host = str(row.host).split(" ", 1)[0]
    problem = heartbeat_problem(row, now)
    if problem is not None:
        return LeaseView(run_id, False, f"lease of pid {row.pid} on {host} is invalid: {problem}")
    live = is_live(row, now)
    state = "live" if live else "dead (its process is gone)"
    return LeaseView(run_id, live, f"lease {state}: {_describe(row, now)}")


class Heartbeat:
    """Refreshes this process's leases every `HEARTBEAT_S` from a daemon thread (started on the
    first lease, so a store that only reads never starts one). A failed refresh (database busy
    or briefly unreachable) is retried at the next beat: a lease survives five missed beats."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.run_ids: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, run_id: str) -> None:
        with self._lock:
            self.run_ids.add(run_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True, name="hds-lease-heartbeat")
                self._thread.start()

    def discard(self, run_id: str) -> None:
        with self._lock:
            self.run_ids.discard(run_id)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=HEARTBEAT_S)

    def beat(self) -> None:
        from controlplane.store.engine import write_transaction

        with self._lock:
            ids = sorted(self.run_ids)
        if not ids:
            return
        me = this_process()
        lt = schema.leases
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(lt)
                .where(lt.c.run_id.in_(ids), lt.c.host == me.host, lt.c.pid == me.pid)
                .values(heartbeat_at=time.time())
            )

    def _loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with contextlib.suppress(Exception):
                self.beat()
