"""The order in which free workers take queued units: fair between endpoints, capped for an
endpoint that throttles, plan order kept otherwise (see `controlplane.dispatch`)."""

from __future__ import annotations

import threading

from controlplane.dispatch import EndpointDispatch, endpoint_of


class Unit:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def queued(caps: dict[str, int] | None = None) -> EndpointDispatch[Unit]:
    return EndpointDispatch((caps or {}).get)


def names(dispatch: EndpointDispatch[Unit], n: int) -> list[str]:
    out = []
    for _ in range(n):
        unit = dispatch.get()
        assert unit is not None
        out.append(unit.name)
    return out


def test_one_endpoint_keeps_plan_order() -> None:
    d = queued()
    for i in range(5):
        d.put(Unit(f"a{i}"), "a:443")
    assert names(d, 5) == ["a0", "a1", "a2", "a3", "a4"]


def test_workers_are_shared_between_endpoints_whatever_the_plan_order() -> None:
    d = queued()
    for i in range(4):
        d.put(Unit(f"a{i}"), "a:443")
    for i in range(4):
        d.put(Unit(f"b{i}"), "b:443")
    assert names(d, 4) == ["a0", "b0", "a1", "b1"]


def test_a_released_endpoint_gets_the_next_free_worker() -> None:
    """A's collections never end (throttled); B's do: B keeps taking the freed workers."""
    d = queued()
    for i in range(4):
        d.put(Unit(f"a{i}"), "a:443")
    for i in range(4):
        d.put(Unit(f"b{i}"), "b:443")
    a0, b0 = d.get(), d.get()
    assert (a0 and a0.name, b0 and b0.name) == ("a0", "b0")
    assert b0 is not None
    d.release(b0)
    b1 = d.get()
    assert b1 is not None and b1.name == "b1"
    d.release(b1)
    d.release(b1)  # idempotent: the coordinator and a late worker may both release
    assert d.held("b:443") == 0 and d.held("a:443") == 1
    assert names(d, 1) == ["b2"]


def test_a_throttled_endpoint_holds_no_more_collections_than_its_window() -> None:
    caps = {"a:443": 2}
    d = queued(caps)
    for i in range(4):
        d.put(Unit(f"a{i}"), "a:443")
    for i in range(4):
        d.put(Unit(f"b{i}"), "b:443")
    # A at its cap of 2: every further worker goes to B, although B holds more.
    assert names(d, 6) == ["a0", "b0", "a1", "b1", "b2", "b3"]
    assert d.held("a:443") == 2


def test_a_worker_waits_while_the_only_queued_endpoint_is_at_its_cap() -> None:
    caps = {"a:443": 1}
    d = queued(caps)
    first, second = Unit("a0"), Unit("a1")
    d.put(first, "a:443")
    d.put(second, "a:443")
    assert d.get() is first
    got: list[Unit | None] = []
    waiter = threading.Thread(target=lambda: got.append(d.get()))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got, "a1 must wait for a0's release"
    d.release(first)
    waiter.join(30)
    assert got == [second]


def test_uncounted_items_pass_the_cap_and_stops_come_first() -> None:
    d = queued({"a:443": 1})
    held, rest = Unit("a0"), Unit("checks-of-a0")
    d.put(held, "a:443")
    assert d.get() is held
    d.put(rest, None, counted=False)
    d.put(Unit("b0"), "b:443")
    d.stop()
    assert d.get() is None
    assert names(d, 2) == ["checks-of-a0", "b0"]


def test_endpoint_of_reads_the_kinds_declaration_and_survives_a_broken_one() -> None:
    class Kind:
        def __init__(self, endpoint: object) -> None:
            self.endpoint = endpoint

    def broken(_: object) -> str:
        raise RuntimeError("boom")

    assert endpoint_of(Kind(lambda t: f"{t}:443"), "s3.example") == "s3.example:443"
    assert endpoint_of(Kind(None), "x") is None
    assert endpoint_of(Kind(broken), "x") is None
    assert endpoint_of(Kind(lambda _: 42), "x") is None
