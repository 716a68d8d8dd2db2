"""hds.yaml entry for a tenant's PostgreSQL server checked live (`tenants[].targets.postgresql[]`).

    postgresql:
      - name: base-dossiers
        dsn: {env: HDS_PG_DOSSIERS_DSN}   # a role with pg_monitor is enough
        require_replica: true             # the contract needs a streaming replica

        export:                           # hdsctl reversibility test (optional section)
          dsn: {env: HDS_PG_DOSSIERS_EXPORT}   # a role that reads the tenant's data (default: dsn)
          databases: [dossiers]           # default: the DSN's database

The DSN is a secret reference: it never appears in results, messages or logs.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef
from hds_postgresql.trace_config import PostgresTraceLogs


class ExportSpec(BaseModel):
    """How `hdsctl reversibility test` dumps this server's tenant databases (pg_dump plain SQL, one
    CSV per table). The role must read the tenant's tables and be nothing more: a superuser or a
    role with server-wide powers is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dsn: SecretRef | None = Field(
        default=None, description="Role reading the tenant's data (default: the target's dsn)"
    )
    databases: tuple[str, ...] = Field(default=(), description="The tenant's databases (default: the DSN's database)")
    pg_bindir: str | None = Field(default=None, description="Directory of pg_dump (default: newest found)")

    @field_validator("databases")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}", name):
                raise ValueError(f"{name!r} is not a plain database name")
        if len(set(value)) != len(value):
            raise ValueError("a database is listed twice")
        return value

    @field_validator("pg_bindir")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("must be an absolute path")
        return value


class PostgresTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=TARGET_NAME, description="Name of this database server in reports")
    dsn: SecretRef = Field(description="libpq connection string or URI, as a reference ({env: ...} or {file: ...})")
    require_replica: bool = Field(default=False, description="A streaming replica must be attached to this server")
    min_replicas: int = Field(default=1, ge=1, le=16, description="Streaming replicas required when require_replica")
    trace_logs: PostgresTraceLogs | None = Field(
        default=None, description="Server log files (csvlog/jsonlog) and the tenant's databases, for `hdsctl traces`"
    )
    export: ExportSpec = Field(
        default_factory=ExportSpec, description="Reversibility export (hdsctl reversibility test)"
    )
