"""The per-endpoint window (AIMD), Retry-After and the global ceiling, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from controlplane.endpoint_limits import (
    MAX_RETRY_AFTER_S,
    EndpointLimits,
    Slot,
    SlotUnavailable,
    parse_retry_after,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fill(limits: EndpointLimits, endpoint: str) -> list[Slot]:
    """Take every slot the endpoint's window gives now."""
    slots = []
    while isinstance(got := limits.try_acquire(endpoint), Slot):
        slots.append(got)
    return slots


def test_window_starts_at_initial_and_grows_on_success_up_to_ceiling() -> None:
    limits = EndpointLimits(initial=4, endpoint_max=16, global_max=64, clock=Clock())
    slots = fill(limits, "a:9000")
    assert len(slots) == 4
    for slot in slots:
        limits.release(slot)
    assert limits.window("a:9000") == 8  # slow start: one more per success
    for _ in range(10):
        for slot in fill(limits, "a:9000"):
            limits.release(slot)
    assert limits.window("a:9000") == 16  # never past the ceiling
    assert len(fill(limits, "a:9000")) == 16


def test_throttling_halves_the_window_once_per_window_then_grows_additively() -> None:
    limits = EndpointLimits(initial=16, endpoint_max=64, global_max=64, clock=Clock())
    slots = fill(limits, "a:9000")
    assert len(slots) == 16
    for slot in slots:  # a burst of 503s to requests sent together: one decrease, not sixteen
        limits.release(slot, "HTTP 503")
    assert limits.window("a:9000") == 8
    slots = fill(limits, "a:9000")
    assert len(slots) == 8
    limits.release(slots[0], "HTTP 429")  # sent after the decrease: counts
    assert limits.window("a:9000") == 4
    for slot in slots[1:]:
        limits.release(slot)
    # Additive increase now: about one more per window of successes, not one per success.
    assert limits.window("a:9000") == 5
    assert limits.stats("a:9000")["throttled"] == 17


def test_window_never_drops_below_one() -> None:
    limits = EndpointLimits(initial=2, endpoint_max=8, global_max=8, clock=Clock())
    for _ in range(10):
        slot = limits.try_acquire("a:1")
        assert isinstance(slot, Slot)
        limits.release(slot, "connection reset")
    assert limits.window("a:1") == 1
    assert isinstance(limits.try_acquire("a:1"), Slot)


def test_one_endpoint_throttling_leaves_the_other_window_alone() -> None:
    limits = EndpointLimits(initial=8, endpoint_max=32, global_max=64, clock=Clock())
    for slot in fill(limits, "slow:9000"):
        limits.release(slot, "HTTP 503")
    assert limits.window("slow:9000") == 4
    assert limits.window("fast:9000") == 8
    assert len(fill(limits, "fast:9000")) == 8


def test_global_ceiling_counts_only_requests_in_flight() -> None:
    limits = EndpointLimits(initial=4, endpoint_max=4, global_max=6, clock=Clock())
    a = fill(limits, "a:1")
    b = fill(limits, "b:1")
    assert (len(a), len(b)) == (4, 2)
    assert limits.try_acquire("c:1") is None  # wait for a release
    limits.release(a[0])
    assert isinstance(limits.try_acquire("c:1"), Slot)


def test_retry_after_holds_the_endpoint_until_then() -> None:
    clock = Clock()
    limits = EndpointLimits(initial=4, endpoint_max=8, global_max=8, clock=clock)
    slot = limits.try_acquire("a:1")
    assert isinstance(slot, Slot)
    limits.release(slot, "HTTP 503", retry_after=2.0)
    assert limits.try_acquire("a:1") == pytest.approx(2.0)  # seconds still to wait
    assert isinstance(limits.try_acquire("b:1"), Slot)  # another endpoint is not held
    clock.now += 1.5
    assert limits.try_acquire("a:1") == pytest.approx(0.5)
    clock.now += 0.5
    assert isinstance(limits.try_acquire("a:1"), Slot)


def test_acquire_refuses_at_once_when_retry_after_passes_the_deadline_naming_throttling() -> None:
    clock = Clock()
    limits = EndpointLimits(initial=4, endpoint_max=8, global_max=8, clock=clock)
    slot = limits.try_acquire("a:1")
    assert isinstance(slot, Slot)
    limits.release(slot, "HTTP 503", retry_after=30.0)
    with pytest.raises(SlotUnavailable, match=r"a:1 is throttling \(HTTP 503.*retry after 30"):
        limits.acquire("a:1", deadline=clock.now + 5)
    clock.now += 30
    assert isinstance(limits.acquire("a:1", deadline=clock.now + 5), Slot)


def test_acquire_refuses_when_the_deadline_has_passed_while_full() -> None:
    clock = Clock()
    limits = EndpointLimits(initial=1, endpoint_max=1, global_max=1, clock=clock)
    assert isinstance(limits.acquire("a:1", deadline=None), Slot)
    with pytest.raises(SlotUnavailable, match="1 requests already in flight"):
        limits.acquire("a:1", deadline=clock.now)


def test_neutral_release_neither_grows_nor_shrinks() -> None:
    limits = EndpointLimits(initial=4, endpoint_max=8, global_max=8, clock=Clock())
    for slot in fill(limits, "a:1"):
        limits.release_neutral(slot)
    assert limits.window("a:1") == 4
    assert limits.stats("a:1")["in_flight"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("1e9", MAX_RETRY_AFTER_S), ("nan", None), ("soon", None), ("", None)],
)
def test_parse_retry_after_seconds(value: str, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(header, now_wall=now.timestamp()) == pytest.approx(7.0)
    past = format_datetime(now - timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(past, now_wall=now.timestamp()) == 0.0


def test_settings_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="initial <= endpoint_max <= global_max"):
        EndpointLimits(initial=8, endpoint_max=4, global_max=16)


def test_waiting_threads_get_the_slots_released_and_all_finish() -> None:
    """Threads beyond the window wait (on a real clock) and all get a slot as others release:
    no lost wake-up across two endpoints sharing a full global ceiling."""
    import threading

    limits = EndpointLimits(initial=2, endpoint_max=2, global_max=3)
    done: list[str] = []
    lock = threading.Lock()

    def work(endpoint: str) -> None:
        slot = limits.acquire(endpoint, deadline=None)
        with lock:
            done.append(endpoint)
        limits.release(slot)

    threads = [threading.Thread(target=work, args=(e,)) for e in ["a:1", "b:1"] * 20]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(done) == sorted(["a:1", "b:1"] * 20)
    assert limits.stats("a:1")["max"] <= 2 and limits.stats("b:1")["max"] <= 2


def test_throttling_note_names_the_last_throttling_answer() -> None:
    limits = EndpointLimits(initial=2, endpoint_max=4, global_max=4, clock=Clock())
    assert limits.throttling("a:1") == ""
    slot = limits.try_acquire("a:1")
    assert isinstance(slot, Slot)
    limits.release(slot, "HTTP 429")
    assert limits.throttling("a:1") == "endpoint a:1 is throttling (HTTP 429; 1 throttling answers)"
    assert limits.throttling("b:1") == ""
