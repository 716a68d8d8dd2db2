"""`hdsctl demo` part of the TLS plugin: one endpoint per demo tenant, configured to match
the tenant's profile (compliant, partly compliant, badly configured)."""

from __future__ import annotations

from controlplane.demo_context import DemoContext
from hds_tls.demo.local_server import LocalCA, LocalTlsServer


def demo_setup(ctx: DemoContext) -> None:
    ca = LocalCA(ctx.workdir / "tls")
    for tenant in ctx.tenants:
        host = f"portail.{tenant.id}.localhost"
        if tenant.profile == "compliant":
            cert = ca.issue(tenant.id, [host, "127.0.0.1"])
            server = LocalTlsServer(cert, min_version="TLSv1_2")
        elif tenant.profile == "partial":
            # Trusted and named right, but expiring in 10 days and still accepting TLS 1.0.
            cert = ca.issue(tenant.id, [host], days_valid=10)
            server = LocalTlsServer(cert, min_version="TLSv1")
        else:
            # Self-signed, expired, wrong name, static-RSA cipher only.
            cert = ca.issue(
                tenant.id, ["autre-service.localhost"], days_valid=-3, not_before_days=400, self_signed=True, key="rsa"
            )
            server = LocalTlsServer(cert, min_version="TLSv1", max_version="TLSv1_2", ciphers="AES128-SHA:@SECLEVEL=0")
        ctx.stack.enter_context(server)
        ctx.add_target(
            tenant.id,
            "tls",
            {
                "name": "portail",
                "host": "127.0.0.1",
                "port": server.port,
                "server_name": host,
                "ca_bundle": str(ca.ca_path),
            },
        )
