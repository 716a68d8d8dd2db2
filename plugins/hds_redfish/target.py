"""hds.yaml entry for a pool of servers checked through their BMCs (`targets.redfish[]`).

    redfish:
      - name: pool-paris-1
        endpoints:                          # one Redfish service (BMC) per server
          - https://bmc-r1.dc-paris-1.example
          - https://bmc-r2.dc-paris-1.example
        username: {env: HDS_BMC_USER}       # a ReadOnly account is enough
        password: {env: HDS_BMC_PASSWORD}
        ca_bundle: /etc/hds/bmc-ca.pem      # CAs that sign the BMCs' certificates
        firmware:
          max_age_days: 730                 # BIOS and BMC firmware no older than this
          min_versions:                     # and at least these versions, per system model
            "PowerEdge R650": {bios: "1.13.0", bmc: "7.00.00.00"}
        expected_accounts: [hds-audit, ops-admin]

Credentials are references (never inline); they go to the BMC only over a verified TLS
connection. Plain `http://` is accepted for loopback addresses only (local emulators, tests).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef

VERSION = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bmc_url(value: str) -> str:
    """A BMC's base URL: https (http on loopback only), a host, no credentials, no query."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an https URL with a host, e.g. https://bmc-r1.example")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError("plain http is refused (the BMC password would cross the network in clear): use https")
    if parts.username or parts.password:
        raise ValueError("must not embed credentials: use the username and password fields")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError("must be the BMC's base URL, without path, query or fragment")
    return value.rstrip("/")


class MinVersions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bios: Annotated[str, Field(pattern=VERSION)] | None = None
    bmc: Annotated[str, Field(pattern=VERSION)] | None = None


class FirmwarePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_age_days: int | None = Field(
        default=None, ge=1, le=7300, description="BIOS and BMC firmware no older than this (overrides RF-05's)"
    )
    min_versions: dict[Annotated[str, Field(min_length=1, max_length=128)], MinVersions] = Field(
        default_factory=dict, description="Minimum BIOS/BMC versions, by system model (Systems.Model)"
    )


class RedfishTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=TARGET_NAME, description="Name of this server pool in reports")
    endpoints: tuple[str, ...] = Field(min_length=1, max_length=10000, description="BMC base URLs, one per server")
    username: SecretRef = Field(description="BMC account (a ReadOnly role is enough), as a reference")
    password: SecretRef = Field(description="Its password, as a reference ({env: ...} or {file: ...})")
    ca_bundle: str | None = Field(default=None, description="PEM file of the CAs that sign the BMC certificates")
    firmware: FirmwarePolicy = Field(default_factory=FirmwarePolicy)
    expected_accounts: tuple[str, ...] | None = Field(
        default=None, description="BMC accounts that may be enabled; any other enabled account fails RF-07"
    )

    @field_validator("endpoints")
    @classmethod
    def _urls(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        checked = tuple(check_bmc_url(v) for v in values)
        if len(set(checked)) != len(checked):
            raise ValueError("lists the same BMC twice")
        return checked
