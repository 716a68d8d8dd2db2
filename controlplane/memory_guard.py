"""Per-check memory guard: a check or collection that slowly exhausts memory becomes an ERROR
("memory limit exceeded") instead of taking the whole run down with the OOM killer.

Why this shape: memory is per process, not per thread, and tracing allocations (tracemalloc)
would slow every check down. So the guard costs nothing per check: when `runtime.max_rss_mb` is
set, one daemon thread samples the process's resident memory (`/proc/self/statm`) every
`SAMPLE_S`. It notes the RSS, and the CPU time of the step's thread, when it first sees each step
(a collection or a check) running. When RSS passes the limit, the suspects are the running steps
under which RSS grew by at least `min_growth`; the one whose thread used the most CPU since is
blamed (allocating takes CPU, a step hung on the network takes none). The scheduler abandons it
like a timed-out step and stops its thread by raising MemoryError in it
(`PyThreadState_SetAsyncExc`), so the memory it holds is released.

Limits: attribution is a heuristic (RSS is per process): a busy, innocent step running beside
a leaking one may be blamed first; the guard then blames again at the next sample while memory
keeps growing. After a blame, the other running steps are measured from the RSS of that moment,
so memory the blamed step has not yet released never makes an innocent step a suspect. The
exception reaches Python code only; a thread inside one long C call (a huge parse) is stopped
when the call returns. An allocation faster than the sampling interval can still reach the
kernel's OOM killer: the run is then interrupted, and `hdsctl run --resume` finishes
it. Memory freed by the blamed thread is not always returned to the OS. Linux only (elsewhere
the guard is off).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

SAMPLE_S = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """Resident set size of this process now, or None where /proc is unavailable."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def thread_cpu_s(thread_id: int | None) -> float:
    """CPU time used so far by a thread of this process (0.0 where unknown)."""
    if thread_id is None:
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread_id))
    except (AttributeError, OSError, OverflowError):
        return 0.0


def raise_in_thread(thread_id: int, exc_type: type[BaseException] = MemoryError) -> bool:
    """Raise `exc_type` in another Python thread at its next bytecode; True if it was found."""
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type)) == 1


class MemoryGuard:
    """Samples RSS and blames the step that grew it past the limit.

    `running()` lists (worker, step, thread id) in progress; `blame(worker, step, reason)` asks the
    scheduler to abandon that step (it re-checks, under the worker's lock, that the step still runs).
    """

    def __init__(
        self,
        limit_mb: int,
        running: Callable[[], Iterable[tuple[Any, Any, int | None]]],
        blame: Callable[[Any, Any, str], None],
        sample_s: float = SAMPLE_S,
        rss: Callable[[], int | None] = rss_bytes,
    ) -> None:
        self.limit = limit_mb * 1024 * 1024
        self.min_growth = max(16 * 1024 * 1024, self.limit // 20)
        self._running = running
        self._blame = blame
        self._sample_s = sample_s
        self._rss = rss
        self._base: dict[int, tuple[Any, int, float]] = {}  # id(step) -> (step, RSS and thread CPU when first seen)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.blamed: list[str] = []

    def start(self) -> MemoryGuard:
        if self._rss() is None:
            return self  # no way to measure here: the guard stays off
        self._thread = threading.Thread(target=self._loop, daemon=True, name="hds-memory-guard")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self._sample_s):
            self.sample()

    def sample(self) -> None:
        rss = self._rss()
        if rss is None:
            return
        steps = {id(step): (worker, step, tid) for worker, step, tid in self._running()}
        self._base = {k: v for k, v in self._base.items() if k in steps and v[0] is steps[k][1]}
        for key, (_worker, step, tid) in steps.items():
            if key not in self._base:
                self._base[key] = (step, rss, thread_cpu_s(tid))
        if rss <= self.limit:
            return
        suspects = [
            (thread_cpu_s(tid) - self._base[k][2], rss - self._base[k][1], k)
            for k, (_w, _s, tid) in steps.items()
            if rss - self._base[k][1] >= self.min_growth
        ]
        if not suspects:
            return  # nothing running grew memory by much: no step to blame
        _cpu, growth, key = max(suspects)
        worker, step, _tid = steps[key]
        del self._base[key]
        # The steps still running are not to blame for what the blamed one allocated: until its
        # thread stops and its memory is freed (slow on a busy machine), RSS stays above the limit.
        # From here on they answer only for growth past this level.
        for other, (other_step, base_rss, base_cpu) in self._base.items():
            self._base[other] = (other_step, max(base_rss, rss), base_cpu)
        mb = rss // (1024 * 1024)
        reason = (
            f"memory limit exceeded: the process reached {mb} MB (runtime.max_rss_mb {self.limit // (1024 * 1024)}), "
            f"{growth // (1024 * 1024)} MB of it while this ran"
        )
        self.blamed.append(reason)
        self._blame(worker, step, reason)
