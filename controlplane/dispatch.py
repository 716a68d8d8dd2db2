"""Which queued work unit a free scheduler worker takes next: fair between endpoints.

Why: a collection holds its worker for as long as its requests take, backoff and Retry-After
waits included. With one FIFO queue, a throttling endpoint's tenants took most of the workers
and the healthy endpoint's tenants waited for a worker, not for their endpoint (32 workers:
the healthy endpoint done at 75.6 s with the other throttled, 20.7 s without). Here units wait
in one queue per endpoint (host:port, as the target kind declares it), and a free worker takes:

- from the endpoint holding the fewest workers (ties: the unit planned first), so endpoints
  share the workers and plan order is kept within each endpoint and when there is only one;
- never from an endpoint that throttled and already holds as many collections as its request
  window (`EndpointLimits.cap`): more of its collections would only wait on that window, holding
  workers others can use. An endpoint that never throttled is not capped.

Units without a declared endpoint share one queue (key None), and the rest of a unit whose
check overran (already collected, no request left) is never counted against an endpoint.
Deadlines, ERRORs on overrun and the memory guard stay the scheduler's: this only orders work.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

RECHECK_S = 0.05
"""While every queued unit's endpoint is at its cap, a free worker looks again this often: a
window grows back with each answer, without telling the dispatcher."""


def endpoint_of(kind: Any, target: Any) -> str | None:
    """The endpoint a target's collection sends its requests to, as its kind declares it (None:
    not declared, or the declaration failed — such a unit is simply not grouped)."""
    declare = getattr(kind, "endpoint", None)
    if declare is None:
        return None
    try:
        key = declare(target)
    except Exception:
        return None
    return key if isinstance(key, str) and key else None


class EndpointDispatch(Generic[T]):
    """A blocking queue of work items grouped by endpoint (see the module docstring)."""

    def __init__(self, cap_of: Callable[[str], int | None]) -> None:
        self._cap_of = cap_of
        self._cond = threading.Condition(threading.Lock())
        self._queues: dict[str | None, deque[tuple[int, T, bool]]] = {}
        self._held: dict[str | None, int] = {}
        self._holder: dict[int, str | None] = {}
        self._heap: list[tuple[int, int, int, str | None]] = []
        """(held, seq of the queue's head, tie-breaker, key); stale entries are skipped on pop."""
        self._seq = itertools.count()
        self._stops = 0

    def put(self, item: T, key: str | None, counted: bool = True) -> None:
        """Queue `item` for `key`; `counted`: while a worker runs it, it counts against `key`
        until `release(item)`."""
        with self._cond:
            seq = next(self._seq)
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = deque()
            queue.append((seq, item, counted))
            if len(queue) == 1:
                self._push(key)
            self._cond.notify()

    def stop(self) -> None:
        """Make one `get` (the next, before any queued item) return None: a worker ends."""
        with self._cond:
            self._stops += 1
            self._cond.notify()

    def get(self) -> T | None:
        with self._cond:
            while True:
                if self._stops:
                    self._stops -= 1
                    return None
                item = self._take()
                if item is not None:
                    return item
                self._cond.wait(RECHECK_S if self._heap else None)

    def release(self, item: T) -> None:
        """The worker running `item` no longer needs its endpoint (collected, or abandoned).
        Idempotent: the abandoning coordinator and the late worker may both call it."""
        with self._cond:
            if id(item) not in self._holder:
                return
            key = self._holder.pop(id(item))
            self._held[key] -= 1
            if self._queues.get(key):
                self._push(key)
            self._cond.notify()

    def held(self, key: str | None) -> int:
        with self._cond:
            return self._held.get(key, 0)

    def _push(self, key: str | None) -> None:
        queue = self._queues[key]
        heapq.heappush(self._heap, (self._held.get(key, 0), queue[0][0], next(self._seq), key))

    def _take(self) -> T | None:
        capped: list[tuple[int, int, int, str | None]] = []
        found: T | None = None
        while self._heap:
            entry = heapq.heappop(self._heap)
            held, head, _, key = entry
            queue = self._queues.get(key)
            if not queue or queue[0][0] != head or self._held.get(key, 0) != held:
                continue  # stale: the queue's head or its count changed since
            cap = None if key is None else self._cap_of(key)
            if cap is not None and held >= cap and queue[0][2]:
                capped.append(entry)
                continue
            _, found, counted = queue.popleft()
            if counted:
                self._held[key] = held + 1
                self._holder[id(found)] = key
            if queue:
                self._push(key)
            else:
                del self._queues[key]
            break
        for entry in capped:
            heapq.heappush(self._heap, entry)
        return found


__all__ = ["RECHECK_S", "EndpointDispatch", "endpoint_of"]
