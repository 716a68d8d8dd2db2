"""Built-in TLS endpoint plugin: protocol, certificate chain, hostname, expiry, cipher.

Registered through the `hds.plugins` entry point like any outside plugin.
"""

from __future__ import annotations

from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind
from hds_tls import checks
from hds_tls.collect import collect_tls
from hds_tls.demo import demo_setup
from hds_tls.target import TlsTarget

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [TargetKind("tls", TlsTarget, collect_tls, "TLS endpoint (host:port), real handshakes")]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [
        CheckSpec("tls.protocol_version", "tls", checks.protocol_version, "TLS 1.2+ only"),
        CheckSpec("tls.certificate_chain", "tls", checks.certificate_chain, "trusted chain, strong key"),
        CheckSpec("tls.hostname_match", "tls", checks.hostname_match, "SANs cover the service name"),
        CheckSpec("tls.certificate_expiry", "tls", checks.certificate_expiry, "not expiring soon"),
        CheckSpec("tls.cipher_strength", "tls", checks.cipher_strength, "no weak cipher negotiated"),
    ]


hds_demo_setup = hookimpl(demo_setup)
