"""Read a PostgreSQL server's live security settings and replication state, once per run, through
psycopg with the target's DSN reference. Read-only: SHOW-level settings and statistics views; a
role with `pg_monitor` sees everything needed (pg_stat_replication's state needs it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controlplane.plugin_types import CollectContext
from hds_backup.pg_target import PostgresTarget
from hds_backup.pg_tools import Conninfo, connect

SETTINGS = (
    "ssl",
    "ssl_min_protocol_version",
    "password_encryption",
    "log_connections",
    "log_disconnections",
    "server_version",
)


@dataclass(frozen=True, slots=True)
class PostgresSnapshot:
    target: str
    settings: dict[str, str]
    in_recovery: bool
    replicas: tuple[dict[str, Any], ...]
    replication_visible: bool
    """False when the role may not see the replicas' state (grant pg_monitor)."""
    connection_ssl: dict[str, Any] = field(default_factory=dict)


def collect_postgresql(target: PostgresTarget, ctx: CollectContext) -> PostgresSnapshot:
    conninfo = Conninfo.from_ref(target.dsn)
    with connect(conninfo, timeout_s=min(30.0, ctx.timeout_s), application_name="hds-controlplane check") as conn:
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{max(1, int(ctx.timeout_s * 500))}ms",))
        settings = {
            str(name): str(value)
            for name, value in conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(SETTINGS),)
            ).fetchall()
        }
        in_recovery = bool(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])
        rows = conn.execute(
            "SELECT application_name, state, sync_state, client_addr::text FROM pg_stat_replication ORDER BY 1"
        ).fetchall()
        ssl_row = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    replicas = tuple(
        {"application_name": app, "state": state, "sync_state": sync, "client_addr": addr}
        for app, state, sync, addr in rows
    )
    return PostgresSnapshot(
        target=target.name,
        settings=settings,
        in_recovery=in_recovery,
        replicas=replicas,
        replication_visible=all(r["state"] is not None for r in replicas),
        connection_ssl={"ssl": bool(ssl_row[0]), "version": ssl_row[1]} if ssl_row else {},
    )
