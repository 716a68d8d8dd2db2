"""Built-in TLS endpoint plugin: protocol, certificate chain, hostname, expiry, cipher.

Registered through the `hds.plugins` entry point like any outside plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_tls.target import TlsTarget

if TYPE_CHECKING:
    from controlplane.demo_context import DemoContext

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "tls", TlsTarget, deferred("hds_tls.collect", "collect_tls"), "TLS endpoint (host:port), real handshakes"
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_tls.demo import demo_setup  # local CA and TLS servers load only for `hdsctl demo`

    demo_setup(ctx)
