"""Requests in flight per endpoint (host:port), adapted to how the endpoint answers (AIMD).

Why: a fixed number of workers either leaves a distant endpoint's pipe mostly empty (16 in
flight at 40 ms is 400 requests/s, where the endpoint takes hundreds at once) or hammers a
throttling one. Each endpoint gets its own window of requests in flight:

- it starts at `initial` and grows by one per successful answer until the endpoint first
  throttles (slow start), then by one per window of successes (additive increase);
- a throttling answer (503 SlowDown, 429, a connection reset) halves it (multiplicative
  decrease), once per window: the answers to requests sent before the decrease say nothing new;
- a `Retry-After` holds every request to that endpoint until the time it names (capped at
  `MAX_RETRY_AFTER_S`); a request that could not start before its deadline is refused at once
  with the reason (`SlotUnavailable`), instead of waiting past it;
- windows stay within a per-endpoint ceiling, and all endpoints together within a global one.

One endpoint's throttling shrinks only its own window: the others keep theirs. Only requests
in flight count against the global ceiling, so requests waiting for a throttled endpoint hold
nothing the others need. No cloud SDK here: plugins call `acquire`/`release` around each request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

DEFAULT_INITIAL = 8
DEFAULT_ENDPOINT_MAX = 64
DEFAULT_GLOBAL_MAX = 256
MAX_RETRY_AFTER_S = 60.0
"""A hostile or broken endpoint cannot hold its requests for longer than this per answer."""
DECREASE = 0.5


class SlotUnavailable(Exception):
    """The request could not be sent before its deadline; the message says why (throttling)."""


@dataclass(slots=True)
class _Endpoint:
    window: float
    in_flight: int = 0
    epoch: int = 0
    """Bumped at each decrease: a throttling answer to a request sent in an older epoch is ignored."""
    slow_start: bool = True
    not_before: float = 0.0
    throttled: int = 0
    last_throttle: str = ""
    max_in_flight_seen: int = 0
    waiters: int = 0
    wake: threading.Condition | None = None
    """Threads waiting for this endpoint wait here (on the shared lock): a release wakes only
    the waiters that can use the slot, not every thread of every endpoint."""


@dataclass(frozen=True, slots=True)
class Slot:
    endpoint: str
    epoch: int


def parse_retry_after(value: str | None, now_wall: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay in seconds, or an HTTP date); None when
    absent or unreadable. Never negative, never more than `MAX_RETRY_AFTER_S`."""
    if not value:
        return None
    text = value.strip()[:64]
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now_wall is None else now_wall)
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


class EndpointLimits:
    """The windows of every endpoint of a process, and the global ceiling."""

    def __init__(
        self,
        initial: int = DEFAULT_INITIAL,
        endpoint_max: int = DEFAULT_ENDPOINT_MAX,
        global_max: int = DEFAULT_GLOBAL_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= initial <= endpoint_max <= global_max:
            raise ValueError("need 1 <= initial <= endpoint_max <= global_max")
        self.initial = initial
        self.endpoint_max = endpoint_max
        self.global_max = global_max
        self._clock = clock
        self._lock = threading.Lock()
        self._endpoints: dict[str, _Endpoint] = {}
        self._in_flight = 0

    def _get(self, endpoint: str) -> _Endpoint:
        state = self._endpoints.get(endpoint)
        if state is None:
            state = self._endpoints[endpoint] = _Endpoint(float(self.initial))
            state.wake = threading.Condition(self._lock)
        return state

    def try_acquire(self, endpoint: str) -> Slot | float | None:
        """A slot, or the seconds to wait for a Retry-After, or None (wait for a release)."""
        with self._lock:
            return self._try(endpoint)

    def _try(self, endpoint: str) -> Slot | float | None:
        state = self._get(endpoint)
        now = self._clock()
        if now < state.not_before:
            return state.not_before - now
        if state.in_flight >= int(state.window) or self._in_flight >= self.global_max:
            return None
        state.in_flight += 1
        state.max_in_flight_seen = max(state.max_in_flight_seen, state.in_flight)
        self._in_flight += 1
        return Slot(endpoint, state.epoch)

    def acquire(self, endpoint: str, deadline: float | None) -> Slot:
        """Wait for a slot to `endpoint`; raise `SlotUnavailable` when it cannot start before
        `deadline` (time.monotonic() scale; None: wait as long as needed)."""
        with self._lock:
            while True:
                got = self._try(endpoint)
                if isinstance(got, Slot):
                    return got
                now = self._clock()
                state = self._endpoints[endpoint]
                if deadline is not None and (now >= deadline or now + (got or 0.0) > deadline):
                    raise SlotUnavailable(self._refusal(endpoint, state, got))
                wait = got if got is not None else None
                if deadline is not None:
                    wait = min(wait, deadline - now) if wait is not None else deadline - now
                assert state.wake is not None
                state.waiters += 1
                try:
                    state.wake.wait(wait)
                finally:
                    state.waiters -= 1

    @staticmethod
    def _refusal(endpoint: str, state: _Endpoint, retry_wait: float | None) -> str:
        if retry_wait is not None:
            why = f"it asked to retry after {retry_wait:.1f}s"
        elif state.throttled:
            why = f"{state.in_flight} requests in flight, the most it allows now"
        else:
            why = f"{state.in_flight} requests already in flight"
        text = f"not sent before the deadline: endpoint {endpoint} "
        if state.throttled:
            text += f"is throttling ({state.last_throttle}; {state.throttled} throttling answers), "
        return text + why

    def release(self, slot: Slot, throttled: str | None = None, retry_after: float | None = None) -> None:
        """End a request: `throttled` names a throttling answer (e.g. "HTTP 503 SlowDown"),
        None a normal one; `retry_after` (seconds) holds the endpoint's next requests."""
        with self._lock:
            state = self._endpoints[slot.endpoint]
            was_full = self._in_flight >= self.global_max
            state.in_flight -= 1
            self._in_flight -= 1
            if throttled is None:
                step = 1.0 if state.slow_start else 1.0 / state.window
                state.window = min(float(self.endpoint_max), state.window + step)
            else:
                state.throttled += 1
                state.last_throttle = throttled[:120]
                if slot.epoch == state.epoch:
                    state.window = max(1.0, state.window * DECREASE)
                    state.epoch += 1
                    state.slow_start = False
                if retry_after is not None:
                    state.not_before = max(state.not_before, self._clock() + min(retry_after, MAX_RETRY_AFTER_S))
            self._wake(state, was_full)

    def release_neutral(self, slot: Slot) -> None:
        """End a request whose outcome says nothing about load (a timeout, a refused answer)."""
        with self._lock:
            state = self._endpoints[slot.endpoint]
            was_full = self._in_flight >= self.global_max
            state.in_flight -= 1
            self._in_flight -= 1
            self._wake(state, was_full)

    def _wake(self, state: _Endpoint, was_full: bool) -> None:
        """Wake as many of this endpoint's waiters as it has free slots now; when the global
        ceiling was the limit, one waiter of each other endpoint too (a woken thread that still
        cannot go waits again)."""
        if state.waiters and state.wake is not None:
            state.wake.notify(max(1, int(state.window) - state.in_flight))
        if was_full:
            for other in self._endpoints.values():
                if other is not state and other.waiters and other.wake is not None:
                    other.wake.notify(1)

    def throttling(self, endpoint: str) -> str:
        """ "" when `endpoint` never throttled; else what to add to a failure's reason, so a
        request the deadline stopped still names the throttling that slowed it down."""
        with self._lock:
            s = self._endpoints.get(endpoint)
            if s is None or not s.throttled:
                return ""
            return f"endpoint {endpoint} is throttling ({s.last_throttle}; {s.throttled} throttling answers)"

    def window(self, endpoint: str) -> int:
        """Requests `endpoint` may have in flight now."""
        with self._lock:
            return int(self._get(endpoint).window)

    def cap(self, endpoint: str) -> int | None:
        """How many collections to `endpoint` are worth running at once (see
        `controlplane.dispatch`): its window once it has throttled, None (no cap) before, and for
        an endpoint never seen — a window that was never cut says nothing about the endpoint."""
        with self._lock:
            s = self._endpoints.get(endpoint)
            if s is None or not s.epoch:
                return None
            return max(1, int(s.window))

    def stats(self, endpoint: str) -> dict[str, int | float]:
        with self._lock:
            s = self._get(endpoint)
            return {
                "window": s.window,
                "in_flight": s.in_flight,
                "throttled": s.throttled,
                "decreases": s.epoch,
                "max": s.max_in_flight_seen,
            }


_limits = EndpointLimits()
_limits_lock = threading.Lock()


def configure(initial: int, endpoint_max: int, global_max: int) -> EndpointLimits:
    """Set the process's limits (from `runtime`): kept when unchanged, so what was learnt about
    each endpoint survives from one run to the next."""
    global _limits
    with _limits_lock:
        current = _limits
        if (current.initial, current.endpoint_max, current.global_max) != (initial, endpoint_max, global_max):
            _limits = EndpointLimits(initial, endpoint_max, global_max)
        return _limits


def limits() -> EndpointLimits:
    """The process's limits, shared by every plugin and thread."""
    return _limits


__all__ = ["EndpointLimits", "Slot", "SlotUnavailable", "configure", "limits", "parse_retry_after"]
