"""PostgreSQL client tools (pg_restore, psql) for restore tests, from the `hds_postgresql` plugin's
public API (where they are, their version, running one within a deadline with the connection in
its environment, never on its command line), with a timeout raised as this plugin's
`DeadlineExceeded`. Connection settings (`Conninfo`, `connect`) come from the same API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hds_backup.streams import DeadlineExceeded
from hds_postgresql.api import (
    ConnectionSettingsError,
    Conninfo,
    ToolRun,
    ToolTimeout,
    connect,
    find_client_bindir,
    tool_version,
)
from hds_postgresql.api import run_tool as _run_tool

__all__ = [
    "ConnectionSettingsError",
    "Conninfo",
    "ToolRun",
    "connect",
    "find_client_bindir",
    "run_tool",
    "tool_version",
]


def run_tool(argv: list[str], env: Mapping[str, str], deadline: float, stdin_path: Path | None = None) -> ToolRun:
    """`hds_postgresql.api.run_tool`, its timeout raised as `DeadlineExceeded`."""
    try:
        return _run_tool(argv, env, deadline, stdin_path)
    except ToolTimeout as exc:
        raise DeadlineExceeded(str(exc)) from None
