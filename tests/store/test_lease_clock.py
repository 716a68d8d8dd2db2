"""A lease's heartbeat dated in the future (a forged row, a host with a broken clock) is invalid
beyond a small clock-skew tolerance: it is never live, and the next runner clears it."""

from __future__ import annotations

import time
from types import SimpleNamespace

from sqlalchemy import select

from controlplane.store import EvidenceStore, lease, schema
from tests.support.results import begin


def other_host(heartbeat_at: float) -> SimpleNamespace:
    return SimpleNamespace(host="pod-b pid:[1]", pid=7, process_start="", heartbeat_at=heartbeat_at)


def test_a_heartbeat_within_the_clock_skew_tolerance_is_live():
    assert lease.is_live(other_host(1000.0 + lease.MAX_CLOCK_SKEW_S - 1), now=1000.0)


def test_a_heartbeat_further_in_the_future_is_invalid_and_says_why():
    future = other_host(1000.0 + lease.MAX_CLOCK_SKEW_S + 1)
    assert not lease.is_live(future, now=1000.0)
    assert "in the future" in (lease.heartbeat_problem(future, now=1000.0) or "")
    assert not lease.is_live(other_host(1000.0 + 10 * 365 * 86400), now=1000.0 + 10 * 365 * 86400 - 3600)


def test_a_future_dated_lease_blocks_no_later_run(store_location):
    store = EvidenceStore.open(store_location)
    try:
        begin(store, "held", ["alpha"])
        with store.engine.begin() as conn:
            lt = schema.leases
            conn.execute(
                lt.update().where(lt.c.run_id == "held").values(host="pod-b pid:[1]", heartbeat_at=time.time() + 86400)
            )
        store._heartbeat.discard("held")
        view = store.lease_of("held")
        assert view is not None and not view.live and "in the future" in view.description
        assert store.get_run("held").status == "interrupted"
        from controlplane.store import RunRecord
        from tests.support.results import now

        store.begin_run(
            RunRecord("next", now(), None, "running", "0", "c" * 64, "f" * 64, {}, ["alpha"], 0, None), exclusive=True
        )
        with store.engine.connect() as conn:
            assert {r.run_id for r in conn.execute(select(schema.leases))} == {"next"}
    finally:
        store.close()
