"""Threads that cannot keep the process alive: a task stuck for ever in `DaemonPool` (what the S3
collector reads buckets with) does not delay the interpreter's exit, unlike a stuck
`ThreadPoolExecutor` worker, which `concurrent.futures` joins at exit; and tasks see their
submitter's context (where a collection keeps its deadline and size limit)."""

from __future__ import annotations

import contextvars
import subprocess
import sys
import threading

import pytest

from controlplane.daemon_pool import DaemonPool

STUCK = """
import threading, sys
from controlplane.daemon_pool import DaemonPool
pool = DaemonPool(4)
with pool:
    stuck = pool.submit(threading.Event().wait)
    done = pool.submit(lambda: 42)
    assert done.result(timeout=30) == 42
print("leaving", flush=True)
"""


def test_a_task_stuck_for_ever_does_not_keep_the_process_alive():
    proc = subprocess.run([sys.executable, "-c", STUCK], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "leaving\n"


def test_tasks_run_in_the_submitters_context_and_results_come_in_order():
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("collection-1")
    with DaemonPool(3) as pool:
        got = list(pool.map(lambda n: (n, var.get(), threading.current_thread().daemon), range(10)))
    assert got == [(n, "collection-1", True) for n in range(10)]


def test_a_failing_task_raises_on_its_turn_and_a_closed_pool_refuses_work():
    pool = DaemonPool(2)

    def fail(n: int) -> int:
        if n == 1:
            raise ValueError("boom")
        return n

    results = pool.map(fail, range(3))
    assert next(results) == 0
    with pytest.raises(ValueError, match="boom"):
        next(results)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(fail, 0)
