"""Public API of the `hds_postgresql` plugin, for other plugins (hds_backup restores dumps with it):
reaching a PostgreSQL server from a DSN reference without ever exposing it, and running its client
tools (`find_client_bindir`, `run_tool`, `tool_version`: see `client_tools`).

A DSN is a secret (it may carry a password). It is resolved through its `SecretRef`, parsed by
libpq's rules (psycopg's `conninfo_to_dict`), and then:
- psycopg gets the parameters as keyword arguments;
- client tools (pg_restore, psql) get them as `PG*` environment variables, never on the command
  line (which any local user can read in the process list), with the caller's own `PG*`
  variables removed so nothing else leaks into the connection.
The password is registered for redaction on its own, so it is scrubbed from any message even
when a library quotes it without the rest of the DSN.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controlplane.secrets import SecretRef, redact, remember
from hds_postgresql.client_tools import ToolRun, ToolTimeout, find_client_bindir, run_tool, tool_version

__all__ = [
    "DATABASE_NAME",
    "ConnectionSettingsError",
    "Conninfo",
    "ToolRun",
    "ToolTimeout",
    "connect",
    "find_client_bindir",
    "run_tool",
    "tool_version",
]

ENV_FOR_PARAMETER = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "dbname": "PGDATABASE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "require_auth": "PGREQUIREAUTH",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
}
DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class ConnectionSettingsError(ValueError):
    """A DSN that cannot be used; the message names the reference, never the value."""


@dataclass(frozen=True)
class Conninfo:
    """Parsed connection parameters of one DSN reference. `describe()` is what messages show."""

    params: Mapping[str, str]
    reference: str

    @classmethod
    def from_ref(cls, ref: SecretRef) -> Conninfo:
        return cls.parse(ref.resolve().get_secret_value(), ref.describe())

    @classmethod
    def parse(cls, dsn: str, reference: str) -> Conninfo:
        from psycopg import conninfo

        remember(dsn)
        try:
            params = {k: str(v) for k, v in conninfo.conninfo_to_dict(dsn).items() if v is not None}
        except Exception:
            raise ConnectionSettingsError(f"{reference}: not a valid libpq connection string or URI") from None
        if "password" in params:
            remember(params["password"])
        unknown = sorted(set(params) - set(ENV_FOR_PARAMETER))
        if unknown:
            raise ConnectionSettingsError(f"{reference}: unsupported connection parameter {unknown[0]!r}")
        return cls(params, reference)

    def describe(self) -> str:
        return self.reference

    def connect_kwargs(self, dbname: str | None = None, timeout_s: float = 10, **extra: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(self.params)
        kwargs.setdefault("connect_timeout", str(max(2, int(timeout_s))))
        if dbname is not None:
            kwargs["dbname"] = dbname
        kwargs.update(extra)
        return kwargs

    def tool_env(self, dbname: str) -> dict[str, str]:
        """Environment for a client tool: the caller's minus every PG* variable, plus ours."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for key, value in self.params.items():
            env[ENV_FOR_PARAMETER[key]] = value
        env["PGDATABASE"] = dbname
        env["PGAPPNAME"] = "hds-controlplane restore test"
        return env


def connect(conninfo: Conninfo, dbname: str | None = None, timeout_s: float = 10, **extra: Any) -> Any:
    """A psycopg connection in autocommit; failures become one redacted line naming the reference."""
    import psycopg

    try:
        return psycopg.connect(autocommit=True, **conninfo.connect_kwargs(dbname, timeout_s, **extra))
    except psycopg.Error as exc:
        detail = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise ConnectionError(f"cannot connect with {conninfo.describe()}: {detail}") from None
