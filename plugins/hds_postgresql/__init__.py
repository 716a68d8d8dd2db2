"""Built-in PostgreSQL plugin: a database server's live configuration (HDS activities 4 and 5).

Target kind `postgresql` (`target.py`): TLS on and clear-text connections refused (PG-01), SCRAM
password hashing (PG-02), connection logging (PG-03), a streaming replica attached and replaying
where the contract requires one (PG-04). Other plugins reach PostgreSQL through `api.py` (DSN
references resolved and parsed without exposing them; psycopg connections).

Registered through the `hds.plugins` entry point like any outside plugin. psycopg loads only when
a target is collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_postgresql.target import PostgresTarget

if TYPE_CHECKING:
    from pydantic import BaseModel

    from controlplane.plugin_types import TenantView
    from controlplane.reversibility.model import Reversibility
    from controlplane.traces.record import TraceSource

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "postgresql",
            PostgresTarget,
            deferred("hds_postgresql.collect", "collect_postgresql"),
            "PostgreSQL server, live configuration",
        )
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl
def hds_trace_sources(tenant: TenantView, target_kind: str, target: BaseModel, timeout_s: float) -> list[TraceSource]:
    if target_kind != "postgresql" or target.trace_logs is None:  # type: ignore[attr-defined]
        return []
    from hds_postgresql.traces import PostgresLogSource

    return [PostgresLogSource(target.name, target.trace_logs)]  # type: ignore[attr-defined]


@hookimpl
def hds_reversibility() -> list[Reversibility]:
    """`hdsctl reversibility test` dumps the tenant's databases; `destroy-check` verifies they are
    gone (see `reversibility`)."""
    from controlplane.reversibility.model import Reversibility

    return [
        Reversibility(
            "postgresql",
            export=deferred("hds_postgresql.reversibility", "export_postgresql"),
            inspect=deferred("hds_postgresql.reversibility", "inspect_postgresql"),
        )
    ]
