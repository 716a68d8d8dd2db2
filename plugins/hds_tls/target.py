"""hds.yaml entry for a TLS endpoint (`tenants[].targets.tls[]`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from controlplane.config.models import TARGET_NAME


class TlsTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=TARGET_NAME, description="Name of this endpoint in reports")
    host: str = Field(min_length=1, max_length=253, description="Host name or IP to connect to")
    port: int = Field(default=443, ge=1, le=65535)
    server_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=253,
        description="Name sent as SNI and checked against the certificate (default: host)",
    )
    ca_bundle: str | None = Field(default=None, description="PEM file of trusted CAs (default: the system trust store)")

    @property
    def expected_name(self) -> str:
        return self.server_name or self.host
