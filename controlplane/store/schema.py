"""Tables of the evidence store (SQLAlchemy Core, so SQLite and PostgreSQL share one schema).

`results` is append-only (enforced by triggers on both databases): each row carries the hash of
the previous row *of the same tenant* and its own hash, so one tenant's evidence verifies on its
own, with no other tenant's data, and an export for a tenant stays self-contained. `seals` holds
one Ed25519 signature per (run, tenant) over the run's record count, first/last record hash and
(version 2) a digest of the run's counts; it is append-only too.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Table as SaTable

SCHEMA_VERSION = 2

metadata = MetaData()

runs = SaTable(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("status", String(16), nullable=False),  # running | completed | interrupted
    Column("tool_version", String(32), nullable=False),
    Column("catalog_digest", String(64), nullable=False),
    Column("config_digest", String(64), nullable=False),
    Column("filters", Text, nullable=False),  # JSON: tenants, controls, activities, shard
    Column("tenants", Text, nullable=False),  # JSON list of tenant ids in scope
    Column("planned", Integer, nullable=False),
    Column("counts", Text),  # JSON {status: n}, set when the run ends
)

results = SaTable(
    "results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("control", String(16), nullable=False),
    Column("check_id", String(128), nullable=False),
    Column("target_kind", String(64), nullable=False),
    Column("target", String(128), nullable=False),
    Column("resource", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # canonical JSON
    Column("hds_activities", Text, nullable=False),  # JSON list of ints
    Column("iso27001", Text, nullable=False),  # JSON list of IDs
    Column("started_at", String(40), nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("plugin", String(64), nullable=False),
    Column("plugin_version", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("record_hash", String(64), nullable=False),
    UniqueConstraint("run_id", "seq", name="uq_results_run_seq"),
    # A tenant's chain is a list, never a tree: no two records may follow the same one.
    UniqueConstraint("tenant", "prev_hash", name="uq_results_tenant_prev"),
)
Index("ix_results_tenant_id", results.c.tenant, results.c.id)
Index("ix_results_run", results.c.run_id, results.c.tenant)

seals = SaTable(
    "seals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("first_record_hash", String(64)),  # NULL when the run has no record for the tenant
    Column("last_record_hash", String(64)),
    Column("sealed_at", String(40), nullable=False),
    Column("key_id", String(64), nullable=False),  # SHA-256 of the raw public key, hex
    Column("public_key", String(64), nullable=False),  # raw Ed25519 public key, base64
    Column("signature", String(128), nullable=False),  # Ed25519 signature of the payload, base64
    # SHA-256 of the run's canonical counts JSON (version-2 seals); NULL on version-1 seals
    Column("counts_digest", String(64)),
    UniqueConstraint("run_id", "tenant", name="uq_seals_run_tenant"),
)

ADDED_COLUMNS = (("seals", "counts_digest", "VARCHAR(64)"),)
"""Columns added to existing stores when they are opened (see `engine.create_schema`)."""
Index("ix_seals_tenant", seals.c.tenant, seals.c.id)

leases = SaTable(
    "run_leases",
    metadata,
    # Who is running a run right now (see `store.lease`): one row per run in progress, deleted
    # when it finishes. Not evidence: rows change (heartbeat) and go away.
    Column("run_id", String(64), primary_key=True),
    Column("tenants", Text, nullable=False),  # JSON list: what an exclusive runner may not share
    Column("exclusive", Integer, nullable=False),  # 1: taken by `hdsctl run`, which refuses overlaps
    Column("host", String(255), nullable=False),  # hostname and PID namespace of the runner
    Column("pid", Integer, nullable=False),
    Column("process_start", String(32), nullable=False),  # start time of that pid ("" if unknown)
    Column("acquired_at", Float, nullable=False),  # Unix time
    Column("heartbeat_at", Float, nullable=False),
)

meta = SaTable(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

APPEND_ONLY_TABLES = ("results", "seals")

SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END"
    for table in APPEND_ONLY_TABLES
    for op in ("UPDATE", "DELETE")
]

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION hds_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
    MESSAGE = 'evidence is append-only (' || TG_OP || ' on ' || TG_TABLE_NAME || ')';
END
$fn$
"""


def _pg_trigger(table: str, name: str, when: str, level: str) -> str:
    # PostgreSQL 15 has no CREATE TRIGGER IF NOT EXISTS; a DO block keeps this idempotent.
    return f"""
DO $do$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}' AND tgrelid = '{table}'::regclass) THEN
    CREATE TRIGGER {name} {when} ON {table} FOR EACH {level} EXECUTE FUNCTION hds_refuse_change();
  END IF;
END $do$
"""


POSTGRESQL_APPEND_ONLY = [
    _PG_FUNCTION,
    *(
        stmt
        for table in APPEND_ONLY_TABLES
        for stmt in (
            _pg_trigger(table, f"{table}_append_only", "BEFORE UPDATE OR DELETE", "ROW"),
            _pg_trigger(table, f"{table}_no_truncate", "BEFORE TRUNCATE", "STATEMENT"),
        )
    ),
]
