"""What the collector read from a pool's BMCs: plain data the checks judge, without I/O.

`None` for a part means the BMC does not expose that API (it answered 404): the checks turn it
into `not_applicable` with the reason, never into a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class BmcSnapshot:
    endpoint: str
    """host:port of the BMC, the prefix of every resource name."""
    error: str | None = None
    """Why nothing (more) could be read from this BMC; every check reports it as an ERROR."""
    tls: dict[str, Any] = field(default_factory=dict)
    systems: tuple[dict[str, Any], ...] = ()
    chassis: tuple[dict[str, Any], ...] = ()
    managers: tuple[dict[str, Any], ...] = ()
    accounts: dict[str, Any] | None = None
    events: dict[str, Any] | None = None
    firmware_inventory: tuple[dict[str, Any], ...] | None = None
    requests: int = 0
    part_errors: dict[str, str] = field(default_factory=dict)
    """Parts the BMC answered with an error status ("storage": "... HTTP 500"): their checks ERROR."""

    def resource(self, path: str) -> str:
        return f"{self.endpoint} {path.removeprefix('/redfish/v1/')}"


@dataclass(frozen=True, slots=True)
class RedfishSnapshot:
    target: str
    collected_at: datetime
    bmcs: tuple[BmcSnapshot, ...]
