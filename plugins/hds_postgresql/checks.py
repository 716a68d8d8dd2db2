"""Checks of a PostgreSQL server's live configuration: TLS on, SCRAM password hashing,
connection logging, and a streaming replica where the target requires one."""

from __future__ import annotations

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_postgresql.collect import PostgresSnapshot
from hds_postgresql.target import PostgresTarget


def _setting(snap: PostgresSnapshot, name: str) -> str | None:
    return snap.settings.get(name)


def _missing(snap: PostgresSnapshot, name: str) -> Finding:
    return Finding(Status.error, f"setting {name} could not be read", snap.target)


@check("postgresql.ssl", "postgresql", "TLS on")
def ssl_enabled(snap: PostgresSnapshot, ctx: CheckContext) -> list[Finding]:
    value = _setting(snap, "ssl")
    if value is None:
        return [_missing(snap, "ssl")]
    evidence = {
        "ssl": value,
        "ssl_min_protocol_version": _setting(snap, "ssl_min_protocol_version"),
        "checker_connection": snap.connection_ssl,
        "server_version": _setting(snap, "server_version"),
    }
    if value == "on":
        evidence["plaintext_probe"] = snap.plaintext
        if snap.plaintext.get("accepted") is True:
            return [
                Finding(
                    Status.failed,
                    "TLS is on (ssl = on) but connections without TLS are accepted too: use hostssl lines in "
                    f"pg_hba.conf ({snap.plaintext.get('detail')})",
                    snap.target,
                    evidence,
                )
            ]
        refused = snap.plaintext.get("accepted") is False
        how = "connections without TLS are refused" if refused else f"without TLS: {snap.plaintext.get('detail')}"
        return [Finding(Status.passed, f"the server offers TLS (ssl = on); {how}", snap.target, evidence)]
    return [Finding(Status.failed, "TLS is off (ssl = off): connections travel in clear", snap.target, evidence)]


@check("postgresql.password_encryption", "postgresql", "SCRAM passwords")
def password_encryption(snap: PostgresSnapshot, ctx: CheckContext) -> list[Finding]:
    value = _setting(snap, "password_encryption")
    if value is None:
        return [_missing(snap, "password_encryption")]
    evidence = {"password_encryption": value}
    if value == "scram-sha-256":
        return [Finding(Status.passed, "new passwords are stored as SCRAM-SHA-256", snap.target, evidence)]
    return [Finding(Status.failed, f"password_encryption is {value}, not scram-sha-256", snap.target, evidence)]


@check("postgresql.connection_logging", "postgresql", "connections logged")
def connection_logging(snap: PostgresSnapshot, ctx: CheckContext) -> list[Finding]:
    connections = _setting(snap, "log_connections")
    if connections is None:
        return [_missing(snap, "log_connections")]
    disconnections = _setting(snap, "log_disconnections")
    evidence = {"log_connections": connections, "log_disconnections": disconnections}
    problems = []
    if connections != "on":
        problems.append("log_connections is off")
    if ctx.params.get("require_log_disconnections", False) and disconnections != "on":
        problems.append("log_disconnections is off")
    if problems:
        return [Finding(Status.failed, "; ".join(problems), snap.target, evidence)]
    return [Finding(Status.passed, "connections are logged", snap.target, evidence)]


@check("postgresql.streaming_replica", "postgresql", "streaming replica")
def streaming_replica(snap: PostgresSnapshot, ctx: CheckContext) -> list[Finding]:
    target = ctx.target
    assert isinstance(target, PostgresTarget)
    evidence = {
        "replicas": list(snap.replicas),
        "in_recovery": snap.in_recovery,
        "require_replica": target.require_replica,
    }
    if not target.require_replica:
        return [Finding(Status.not_applicable, "the target does not require a replica (require_replica)", snap.target)]
    if not snap.replication_visible:
        return [
            Finding(
                Status.error,
                "the checker's role cannot see the replicas' state: grant it pg_monitor",
                snap.target,
                evidence,
            )
        ]
    max_lag_s = float(ctx.params.get("max_replay_lag_s", 300))
    max_lag_bytes = ctx.params.get("max_replay_lag_bytes")
    streaming = [r for r in snap.replicas if r["state"] == "streaming"]
    behind = [r for r in streaming if _behind(r, max_lag_s, max_lag_bytes)]
    current = len(streaming) - len(behind)
    evidence.update(
        streaming=len(streaming),
        replaying=current,
        min_replicas=target.min_replicas,
        max_replay_lag_s=max_lag_s,
        max_replay_lag_bytes=max_lag_bytes,
    )
    if current >= target.min_replicas:
        return [Finding(Status.passed, f"{current} streaming replica(s) attached and replaying", snap.target, evidence)]
    lagging = f" ({len(behind)} streaming but not replaying: {', '.join(_lag(r) for r in behind)})" if behind else ""
    return [
        Finding(
            Status.failed,
            f"{current} streaming replica(s) attached and replaying, {target.min_replicas} required{lagging}",
            snap.target,
            evidence,
        )
    ]


def _behind(replica: dict, max_lag_s: float, max_lag_bytes: object) -> bool:
    """A replica that receives WAL but does not replay it (paused, stuck, far behind) protects
    nothing more than its last replayed point: `state = streaming` alone is not the effect."""
    lag_s, lag_bytes = replica.get("replay_lag_s"), replica.get("replay_lag_bytes")
    if lag_s is not None and lag_s > max_lag_s:
        return True
    return max_lag_bytes is not None and lag_bytes is not None and lag_bytes > int(max_lag_bytes)  # type: ignore[call-overload]


def _lag(replica: dict) -> str:
    name, lag_s, lag_bytes = replica["application_name"], replica.get("replay_lag_s"), replica.get("replay_lag_bytes")
    return f"{name} {lag_s} s / {lag_bytes} bytes behind"
