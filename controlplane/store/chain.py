"""Canonical form and hash chaining of evidence records.

The hash covers the canonical JSON of the record (sorted keys, no spaces, UTF-8) prefixed by
the previous record's hash, so altering, deleting or reordering any record breaks every later
link. The format is documented so an auditor can recompute it with standard tools.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64

HASHED_FIELDS = (
    "run_id",
    "seq",
    "tenant",
    "control",
    "check",
    "target_kind",
    "target",
    "resource",
    "status",
    "message",
    "evidence",
    "hds_activities",
    "iso27001",
    "started_at",
    "duration_ms",
    "plugin",
    "plugin_version",
)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    body = canonical_json({k: record[k] for k in HASHED_FIELDS})
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body.encode("utf-8")).hexdigest()
