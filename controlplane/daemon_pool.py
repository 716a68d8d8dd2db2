"""A thread pool whose threads can never keep the process alive.

Why not `concurrent.futures.ThreadPoolExecutor`: its worker threads are joined when the
interpreter exits, so one worker stuck on an endpoint that never finishes answering keeps
`hdsctl` running for ever after the run's results are stored. The scheduler abandons a hung
collection at its deadline; the threads such a collection started must be abandonable too.
Here every worker is a daemon thread, nothing joins it at exit, leaving the `with` block never
waits for a stuck task, and each task runs in a copy of the submitter's `contextvars` context
(where a collection keeps its deadline and size limits).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Future[Any], contextvars.Context, Callable[..., Any], tuple[Any, ...]]


class DaemonPool:
    def __init__(self, max_workers: int, name: str = "hds-pool") -> None:
        self.max_workers = max_workers
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._jobs.put((future, contextvars.copy_context(), fn, args))
            if self._idle == 0 and self._threads < self.max_workers:
                self._threads += 1
                threading.Thread(target=self._work, daemon=True, name=f"{self.name}-{self._threads}").start()
            else:
                self._idle -= 1 if self._idle else 0
        return future

    def map(self, fn: Callable[..., T], *iterables: Iterable[Any]) -> Iterator[T]:
        """Like `Executor.map`: submitted at once, results in order (a failure raises on its turn)."""
        futures = [self.submit(fn, *args) for args in zip(*iterables, strict=False)]
        return (f.result() for f in futures)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, context, fn, args = job
            if future.set_running_or_notify_cancel():
                try:
                    result = context.run(fn, *args)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            with self._lock:
                self._idle += 1

    def shutdown(self) -> None:
        """Stop accepting work; idle workers end, busy ones end after their task. Never waits."""
        with self._lock:
            self._closed = True
            for _ in range(self._threads):
                self._jobs.put(None)

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()


__all__ = ["DaemonPool"]
