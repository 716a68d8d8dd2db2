"""A BMC that hangs, resets, answers garbage, drips or floods gives ERROR results within the
collection's deadline (never a pass), and a healthy BMC of the same pool is still judged."""

from __future__ import annotations

import time

import pytest

from controlplane.results import Status
from tests.plugins.redfish.helpers import CONTROLS, collect, run_control, target, verdicts
from tests.plugins.redfish.hostile_bmc import MODES, HostileBmc

BUDGET_S = 3.0


@pytest.mark.parametrize("mode", MODES)
def test_misbehaving_bmc_is_an_error_within_the_deadline(mode):
    with HostileBmc(mode) as bmc:
        t = target([bmc.url])
        started = time.monotonic()
        snap = collect(t, timeout_s=BUDGET_S, max_bytes=1024 * 1024)
        elapsed = time.monotonic() - started
        assert bmc.connections >= 1
    assert elapsed < BUDGET_S + 30
    got = verdicts(snap, t)
    assert all(got[c] == {Status.error} for c in CONTROLS if c != "RF-08"), got
    assert got["RF-08"] == {Status.failed}  # plain HTTP: true whatever the BMC answers, and never a pass
    [finding] = run_control("RF-01", snap, t)
    assert finding.resource == f"127.0.0.1:{bmc.port}"
    assert finding.message.startswith(f"127.0.0.1:{bmc.port}")
    assert finding.message.isprintable() and len(finding.message) < 400


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("html", "the answer is not JSON"),
        ("huge", "the answer is larger than 1 MB"),
        ("drip", "the answer was not complete within"),
        ("reset", "connection reset"),
    ],
)
def test_the_error_names_the_failure(mode, reason):
    with HostileBmc(mode) as bmc:
        snap = collect(target([bmc.url]), timeout_s=BUDGET_S, max_bytes=1024 * 1024)
    assert reason in (snap.bmcs[0].error or ""), snap.bmcs[0].error


def test_a_tls_bmc_that_never_handshakes_is_an_error():
    with HostileBmc("hang") as bmc:
        t = target([f"https://127.0.0.1:{bmc.port}"])
        started = time.monotonic()
        snap = collect(t, timeout_s=BUDGET_S)
        assert time.monotonic() - started < BUDGET_S + 30
    assert {f.status for c in CONTROLS for f in run_control(c, snap, t)} == {Status.error}


def test_a_hanging_bmc_does_not_stop_the_rest_of_the_pool(bmcs, bmc_ca):
    with HostileBmc("hang") as bad:
        t = target([bmcs["compliant"].url, bad.url], bmc_ca.ca_path)
        snap = collect(t, timeout_s=BUDGET_S)
    statuses = [f.status for f in run_control("RF-04", snap, t)]
    assert statuses == [Status.passed, Status.error]
