"""A test plugin whose `hds_demo_setup` declares a three-target shared pool serving two demo
tenants, as the Redfish plugin's demo does with its BMC pool."""

from __future__ import annotations

from controlplane.demo_context import DemoContext
from controlplane.hookspecs import hookimpl

DEMO_POOL = "pool-demo"
DEMO_SERVED = ("clinique-sud", "hopital-nord")


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    for name in ("srv-1", "srv-2", "srv-3"):
        ctx.add_shared_target(DEMO_POOL, list(DEMO_SERVED), "rel", {"name": name})
