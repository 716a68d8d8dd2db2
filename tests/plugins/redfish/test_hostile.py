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


def test_malformed_json_is_this_bmcs_error_and_bmc_text_is_made_printable(bmcs, bmc_ca, tmp_path):
    """A member link that is a number, an account list that is not a list, a PSU name carrying a
    terminal escape: the first BMC gets an ERROR naming a malformed answer, the second's names
    reach no message unprintable, and the rest of the pool is judged."""
    import json

    from hds_redfish.demo.mockup_tree import compose
    from hds_redfish.demo.server import LocalRedfishServer
    from tests.plugins.redfish.conftest import COMPLIANT

    broken = compose(tmp_path / "broken", COMPLIANT)
    volume = broken / "Systems/1/Storage/RAID.Integrated.1/Volumes/1/index.json"
    doc = json.loads(volume.read_text())
    doc["Links"] = ["not", "an", "object"]
    volume.write_text(json.dumps(doc))
    coll = broken / "Chassis/index.json"
    doc = json.loads(coll.read_text())
    doc["Members"].append({"@odata.id": 5})
    coll.write_text(json.dumps(doc))
    escaped = compose(tmp_path / "escaped", COMPLIANT)
    power = escaped / "Chassis/1/Power/index.json"
    doc = json.loads(power.read_text())
    doc["PowerSupplies"][1]["Name"] = "PSU2\x1b[2J\x1b[31m"
    doc["PowerSupplies"][1]["Status"] = {"State": "Enabled", "Health": "Critical\x07"}
    power.write_text(json.dumps(doc))
    with LocalRedfishServer(broken) as one, LocalRedfishServer(escaped) as two:
        t = target([one.url, two.url, bmcs["compliant"].url], bmc_ca.ca_path)
        snap = collect(t)
    assert snap.bmcs[0].error == f"127.0.0.1:{one.port}: malformed Redfish answer (AttributeError)"
    findings = run_control("RF-01", snap, t)
    assert [f.status for f in findings] == [Status.error, Status.failed, Status.passed]
    assert findings[1].message.startswith("power supply PSU2?[2J?[31m is Enabled/Critical?; ")
    assert all(f.message.isprintable() for f in findings)
