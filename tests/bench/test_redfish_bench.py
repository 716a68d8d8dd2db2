from __future__ import annotations

import pytest

pytest.importorskip("sushy_tools")

import redfish_sweep


@pytest.mark.parametrize("tls", [False, True])
def test_redfish_sweep_reads_every_bmc_and_judges_every_control(tls):
    m = redfish_sweep.measure(bmcs=6, servers_n=2, tls=tls, timeout_s=120)
    assert m["errors"] == 0, m["first_error"]
    assert m["requests_per_system"] == 28.0  # the shipped mockup: 28 resources read per server
    assert m["requests"] == 6 * 28
    assert m["findings"] == 6 * 10  # one finding per server per RF control
