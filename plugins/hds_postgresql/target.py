"""hds.yaml entry for a tenant's PostgreSQL server checked live (`tenants[].targets.postgresql[]`).

    postgresql:
      - name: base-dossiers
        dsn: {env: HDS_PG_DOSSIERS_DSN}   # a role with pg_monitor is enough
        require_replica: true             # the contract needs a streaming replica

The DSN is a secret reference: it never appears in results, messages or logs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef
from hds_postgresql.trace_config import PostgresTraceLogs


class PostgresTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=TARGET_NAME, description="Name of this database server in reports")
    dsn: SecretRef = Field(description="libpq connection string or URI, as a reference ({env: ...} or {file: ...})")
    require_replica: bool = Field(default=False, description="A streaming replica must be attached to this server")
    min_replicas: int = Field(default=1, ge=1, le=16, description="Streaming replicas required when require_replica")
    trace_logs: PostgresTraceLogs | None = Field(
        default=None, description="Server log files (csvlog/jsonlog) and the tenant's databases, for `hdsctl traces`"
    )
