"""`hdsctl demo`'s Redfish part: three sushy-static BMCs over TLS, one shared pool (`platform:`)
serving clinique-sud and hopital-nord (not labo-est), every RF control passing on it, and every server
stopped when the demo ends."""

from __future__ import annotations

import socket
from contextlib import ExitStack

from controlplane.demo import DEMO_TENANTS
from controlplane.demo_context import DemoContext
from controlplane.results import Status
from hds_redfish.demo.setup import demo_setup
from tests.plugins.redfish.helpers import CONTROLS, run_control
from tests.plugins.redfish.helpers import collect as collect_pool
from tests.plugins.redfish.helpers import target as make_target


def test_demo_pool_serves_two_tenants_and_passes(tmp_path, monkeypatch):
    with ExitStack() as stack:
        ctx = DemoContext(workdir=tmp_path, stack=stack, tenants=[t for t, _, _ in DEMO_TENANTS])
        demo_setup(ctx)
        assert not ctx.targets  # declared once, for the tenants it serves
        assert set(ctx.platform) == {"pool-paris-1"}
        group = ctx.platform["pool-paris-1"]
        assert sorted(group["serves"]) == ["clinique-sud", "hopital-nord"]
        [pool] = group["targets"]["redfish"]
        assert len(pool["endpoints"]) == 3 and all(u.startswith("https://127.0.0.1:") for u in pool["endpoints"])
        for key, value in ctx.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("HDS_NOW", raising=False)
        t = make_target(pool["endpoints"], pool["ca_bundle"], expected_accounts=pool["expected_accounts"])
        snap = collect_pool(t, now=None)  # the demo dates its firmware from today
        assert len({s["serial"] for b in snap.bmcs for s in b.systems}) == 3
        for control in CONTROLS:
            assert {f.status for f in run_control(control, snap, t)} == {Status.passed}, control
        ports = [int(u.rsplit(":", 1)[1]) for u in pool["endpoints"]]
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
