"""Reading a tenant's chain to check it, fast: what `EvidenceStore.chain_integrity` yields.

Why a separate path from `EvidenceStore.chain()`: parsing each record's JSON columns and encoding
the record again to hash it costs ten times hashing what is stored. The JSON columns are stored as
canonical JSON, so the record's canonical form (`chain.fields_body`) is assembled from them as
they are, and hashed. Only when that does not give the stored hash is the record parsed and
re-encoded (`chain.record_hash`), exactly as before, so a record whose JSON was merely
re-formatted still verifies. The one difference: a record rewritten in non-canonical JSON *with*
a hash recomputed over those very bytes is not reported as altered itself; like any rewritten
record it breaks the link to the next record, or its run's seal.

On SQLite the canonical form is assembled by SQLite itself (`json_object` with the keys in sorted
order: compact, strings escaped exactly as Python's json escapes them), in C, so only the finished
form and the few fields `verify` reports reach Python. Where SQLite renders something otherwise
(a float needing 17 digits, say), the record simply takes the slow path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from controlplane.store.chain import fields_body, hash_body, record_hash
from controlplane.store.rows import record_from_row, stream_results

_SQLITE_CHAIN = (
    "SELECT id, run_id, seq, control, target, prev_hash, record_hash, json_object("
    "'check', check_id, 'control', control, 'duration_ms', duration_ms, 'evidence', json(evidence), "
    "'hds_activities', json(hds_activities), 'iso27001', json(iso27001), 'message', message, 'plugin', plugin, "
    "'plugin_version', plugin_version, 'resource', resource, 'run_id', run_id, 'seq', seq, "
    "'started_at', started_at, 'status', status, 'target', target, 'target_kind', target_kind, 'tenant', tenant) "
    "FROM results WHERE tenant = ? ORDER BY id"
)
"""The record's canonical JSON as SQLite renders it: keys given in sorted order, compact, strings
escaped as Python's json escapes them, the JSON columns (canonical as stored) re-rendered as is."""


def _light(row_id: int, run_id: str, seq: int, control: str, target: str, prev: str, digest: str, ok: bool) -> dict:
    return {
        "run_id": run_id,
        "seq": seq,
        "row_id": row_id,
        "control": control,
        "target": target,
        "prev_hash": prev,
        "record_hash": digest,
        "intact": ok,
    }


def _slow_check(engine: Engine, row_id: int, digest: str) -> bool:
    """The record parsed and re-encoded, as `record_hash` defines the hash."""
    for row in stream_results(engine, "id = ?", (row_id,), "id"):
        return record_hash(row[-2], record_from_row(row)) == digest
    return False


def _sqlite_chain(engine: Engine, tenant: str) -> Iterator[dict[str, Any]]:
    """The per-record loop kept lean: a million records go through it."""
    sha256 = hashlib.sha256
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_SQLITE_CHAIN, (tenant,))
            while batch := cursor.fetchmany(1000):
                for row_id, run_id, seq, control, target, prev, digest, body in batch:
                    # hash_body(prev, body), inlined; prev is hex, so one UTF-8 encoding is the same bytes
                    ok = body is not None and sha256(f"{prev}\n{body}".encode()).hexdigest() == digest
                    yield {
                        "run_id": run_id,
                        "seq": seq,
                        "row_id": row_id,
                        "control": control,
                        "target": target,
                        "prev_hash": prev,
                        "record_hash": digest,
                        "intact": ok or _slow_check(engine, row_id, digest),
                    }
        finally:
            cursor.close()


def chain_integrity(engine: Engine, tenant: str) -> Iterator[dict[str, Any]]:
    if engine.dialect.driver == "pysqlite":
        yield from _sqlite_chain(engine, tenant)
        return
    for row in stream_results(engine, "tenant = ?", (tenant,), "id"):
        row_id, run, seq, ten, control, check, kind, target, res, status, msg, ev, acts, iso, at, ms = row[:16]
        pl, pv, prev, digest = row[16:]
        body = fields_body(check, control, ms, ev, acts, iso, msg, pl, pv, res, run, seq, at, status, target, kind, ten)
        ok = hash_body(prev, body) == digest or record_hash(prev, record_from_row(row)) == digest
        yield _light(row_id, run, seq, control, target, prev, digest, ok)
