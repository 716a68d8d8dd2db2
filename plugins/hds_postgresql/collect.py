"""Read a PostgreSQL server's live security settings and replication state, once per run, through
psycopg with the target's DSN reference. Read-only: SHOW-level settings and statistics views; a
role with `pg_monitor` sees everything needed (pg_stat_replication's state needs it).

`ssl = on` only says the server *offers* TLS; whether it *requires* it is in pg_hba.conf, which
only a superuser may read. So the effect is tried: one connection attempt without TLS, with the
target's user and database but no password and no client certificate (nothing secret crosses
the network in clear). "no encryption" in the refusal means pg_hba has no non-TLS line for it;
a connection, or a request for a password, means clear-text connections are accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controlplane.plugin_types import CollectContext
from controlplane.secrets import redact
from hds_postgresql.api import Conninfo, connect
from hds_postgresql.target import PostgresTarget

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
    plaintext: dict[str, Any] = field(default_factory=dict)
    """The probe without TLS: {"accepted": True/False/None, "detail": ...}."""


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
            "SELECT application_name, state, sync_state, client_addr::text, extract(epoch FROM replay_lag)::float8, "
            "CASE WHEN pg_is_in_recovery() THEN NULL "
            "ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint END "
            "FROM pg_stat_replication ORDER BY 1"
        ).fetchall()
        ssl_row = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    plaintext = probe_plaintext(conninfo, min(10.0, ctx.timeout_s / 3))
    replicas = tuple(
        {
            "application_name": app,
            "state": state,
            "sync_state": sync,
            "client_addr": addr,
            "replay_lag_s": lag_s,
            "replay_lag_bytes": lag_bytes,
        }
        for app, state, sync, addr, lag_s, lag_bytes in rows
    )
    return PostgresSnapshot(
        target=target.name,
        settings=settings,
        in_recovery=in_recovery,
        replicas=replicas,
        replication_visible=all(r["state"] is not None for r in replicas),
        connection_ssl={"ssl": bool(ssl_row[0]), "version": ssl_row[1]} if ssl_row else {},
        plaintext=plaintext,
    )


_SECRET_PARAMS = ("password", "passfile", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslmode")
_AUTH_REQUESTED = ("no password supplied", "password authentication failed", "authentication failed")


def probe_plaintext(conninfo: Conninfo, timeout_s: float) -> dict[str, Any]:
    """Try one connection without TLS (see the module's docstring). Never raises."""
    import psycopg

    host = conninfo.params.get("host", "") or conninfo.params.get("hostaddr", "")
    if not host or host.startswith("/") or host.startswith("@"):
        return {"accepted": None, "detail": "Unix socket: TLS does not apply"}
    params = {k: v for k, v in conninfo.params.items() if k not in _SECRET_PARAMS}
    params.pop("require_auth", None)
    params.update(sslmode="disable", gssencmode="disable", passfile="/nonexistent/hds-controlplane-no-passfile")
    params["connect_timeout"] = str(max(2, int(timeout_s)))
    params["application_name"] = "hds-controlplane tls probe"
    try:
        psycopg.connect(**params).close()
    except psycopg.Error as exc:
        text = str(exc)
        if "no encryption" in text:
            return {"accepted": False, "detail": "refused: pg_hba.conf has no line for connections without TLS"}
        if any(marker in text for marker in _AUTH_REQUESTED):
            return {"accepted": True, "detail": "the server asked a connection without TLS to authenticate"}
        first = redact(text.strip().splitlines()[0] if text.strip() else type(exc).__name__)[:200]
        return {"accepted": None, "detail": f"inconclusive: {first}"}
    return {"accepted": True, "detail": "a connection without TLS was accepted"}
