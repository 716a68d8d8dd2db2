"""Tables of the evidence store (SQLAlchemy Core, so SQLite and PostgreSQL share one schema).

`results` is append-only (enforced by triggers): each row carries the hash of the previous
row *of the same tenant* and its own hash, so one tenant's evidence verifies on its own, with
no other tenant's data, and an export for a tenant stays self-contained.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
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

SCHEMA_VERSION = 1

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
)
Index("ix_results_tenant_id", results.c.tenant, results.c.id)
Index("ix_results_run", results.c.run_id, results.c.tenant)

meta = SaTable(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

SQLITE_APPEND_ONLY = [
    DDL(
        "CREATE TRIGGER IF NOT EXISTS results_no_update BEFORE UPDATE ON results "
        "BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END"
    ),
    DDL(
        "CREATE TRIGGER IF NOT EXISTS results_no_delete BEFORE DELETE ON results "
        "BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END"
    ),
]
