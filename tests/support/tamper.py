"""Tampering with a SQLite evidence store the way an attacker with file access would: drop the
append-only triggers with plain sqlite3, then UPDATE, DELETE or reorder rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from controlplane.store.chain import record_hash


def open_raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def row(conn: sqlite3.Connection, run_id: str, tenant: str, control: str) -> dict[str, Any]:
    found = conn.execute(
        "SELECT * FROM results WHERE run_id = ? AND tenant = ? AND control = ?", (run_id, tenant, control)
    ).fetchone()
    assert found is not None, (run_id, tenant, control)
    return dict(found)


def swap_rows(conn: sqlite3.Connection, first_id: int, second_id: int) -> None:
    """Exchange the positions of two rows (their ids) without changing their contents."""
    conn.execute("UPDATE results SET id = -id WHERE id IN (?, ?)", (first_id, second_id))
    conn.execute("UPDATE results SET id = ? WHERE id = ?", (second_id, -first_id))
    conn.execute("UPDATE results SET id = ? WHERE id = ?", (first_id, -second_id))


def record_of(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw results row in the shape the chain hashes."""
    return {
        **{k: raw[k] for k in raw if k not in ("check_id", "evidence", "hds_activities", "iso27001")},
        "check": raw["check_id"],
        "evidence": json.loads(raw["evidence"]),
        "hds_activities": json.loads(raw["hds_activities"]),
        "iso27001": json.loads(raw["iso27001"]),
    }


def rehash(conn: sqlite3.Connection, tenant: str, from_id: int, to_id: int | None = None) -> None:
    """Recompute prev_hash/record_hash of the tenant's rows from `from_id` on (to `to_id`), as an
    attacker who knows the (public) hashing rule would after rewriting a record."""
    rows = conn.execute("SELECT * FROM results WHERE tenant = ? AND id >= ? ORDER BY id", (tenant, from_id)).fetchall()
    prev = rows[0]["prev_hash"]
    for r in rows:
        if to_id is not None and r["id"] > to_id:
            break
        digest = record_hash(prev, record_of(dict(r)))
        conn.execute("UPDATE results SET prev_hash = ?, record_hash = ? WHERE id = ?", (prev, digest, r["id"]))
        prev = digest
