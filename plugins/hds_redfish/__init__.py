"""Built-in Redfish plugin: a pool of servers checked through their BMCs (HDS activity 2, and 1
for the chassis location).

Target kind `redfish` (`target.py`): power supplies N+1 (RF-01), storage health and redundant
RAID (RF-02), self-encrypting drives (RF-03), Secure Boot (RF-04), firmware currency (RF-05),
BMC network exposure (RF-06), accounts and password policy (RF-07), TLS certificate (RF-08),
event forwarding (RF-09), chassis location in the EEA (RF-10). Read-only: the client only GETs,
bounded in time and size (`client.py`). Demo endpoints live in the `demo` subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_redfish.target import RedfishTarget

if TYPE_CHECKING:
    from controlplane.demo_context import DemoContext

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "redfish",
            RedfishTarget,
            deferred("hds_redfish.collect", "collect_redfish"),
            "server pool, through each server's BMC (Redfish)",
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl
def hds_demo_setup(ctx: DemoContext) -> None:
    from hds_redfish.demo.setup import demo_setup  # sushy-static starts only for `hdsctl demo`

    demo_setup(ctx)
