"""`trace_logs:` on a PostgreSQL target: its server log files and the tenant's databases.

    trace_logs:
      files: ["/var/log/postgresql/*.csv"]    # log_destination = 'csvlog' (or 'jsonlog', PostgreSQL 15+)
      format: csvlog
      databases: [dossiers, rendez_vous]      # only accesses to these databases are the tenant's

The server must log connections (`log_connections = on`, control PG-03) in UTC
(`log_timezone = 'UTC'`); pgaudit's `AUDIT:` lines are read when pgaudit is loaded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class PostgresTraceLogs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    files: tuple[str, ...] = Field(min_length=1, description="Glob patterns of the server's log files")
    format: Literal["csvlog", "jsonlog"] = Field(default="csvlog", description="log_destination of those files")
    databases: tuple[Annotated[str, Field(min_length=1, max_length=63)], ...] = Field(
        min_length=1, description="The tenant's databases: accesses to others are not its traces"
    )
    max_line_bytes: int = Field(default=65536, ge=512, le=4 * 1024 * 1024, description="Longer lines are skipped")
    max_file_mb: float = Field(default=4096, gt=0, le=1024 * 1024, description="Largest file read (MB)")
