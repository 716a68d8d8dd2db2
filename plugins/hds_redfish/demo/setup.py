"""`hdsctl demo` part of the Redfish plugin: a pool of three servers (one sushy-static per BMC,
over TLS signed by a local CA), declared once in the fleet's `platform:` section as a shared
group serving two tenants, clinique-sud and hopital-nord: collected once per run, its results
stored in each tenant's chain. Its hardware is compliant: firmware release dates are set a few
weeks before today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controlplane.demo_context import DemoContext
from hds_redfish.demo.certs import BmcCA
from hds_redfish.demo.mockup_tree import compose
from hds_redfish.demo.server import LocalRedfishServer, sushy_tools_installed

POOL = "pool-paris-1"
TARGET = "serveurs"
SERVERS = 3
TENANTS = ("clinique-sud", "hopital-nord")
USER_ENV, PASSWORD_ENV = "HDS_DEMO_BMC_USER", "HDS_DEMO_BMC_PASSWORD"


def demo_setup(ctx: DemoContext) -> None:
    served = [t for t in ctx.tenants if t.id in TENANTS]
    if not served:
        return
    if not sushy_tools_installed():
        ctx.note("Redfish: sushy-tools is not installed (pip install 'hds-controlplane[demo]'): no server pool")
        return
    workdir = ctx.workdir / "redfish"
    ca = BmcCA(workdir / "tls")
    today = datetime.now(UTC).date()
    servers = []
    for n in range(1, SERVERS + 1):
        tree = compose(
            workdir / f"srv-0{n}",
            replace={
                "srv-01": f"srv-0{n}",
                "CZ2400AB01": f"CZ2400AB0{n}",
                "2026-09-15": (today - timedelta(days=40)).isoformat(),
                "2026-08-20": (today - timedelta(days=60)).isoformat(),
            },
        )
        cert, key = ca.issue(f"srv-0{n}")
        servers.append(LocalRedfishServer(tree, cert, key).start())
    for server in servers:
        ctx.stack.callback(server.stop)
    for server in servers:
        server.wait_ready()
    ctx.env.update({USER_ENV: "hds-audit", PASSWORD_ENV: "demo-bmc-password"})
    entry = {
        "name": TARGET,
        "endpoints": [s.url for s in servers],
        "username": {"env": USER_ENV},
        "password": {"env": PASSWORD_ENV},
        "ca_bundle": str(ca.ca_path),
        "expected_accounts": ["hds-audit", "ops-admin"],
    }
    ctx.add_shared_target(POOL, [t.id for t in served], "redfish", entry)
