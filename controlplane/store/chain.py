"""Canonical form and hash chaining of evidence records.

The hash covers the canonical JSON of the record (sorted keys, no spaces, UTF-8) prefixed by
the previous record's hash, so altering, deleting or reordering any record breaks every later
link. The format is documented so an auditor can recompute it with standard tools.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from json.encoder import encode_basestring
from typing import Any

try:
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - CPython always has the C accelerator
    _c_make_encoder = None

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


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


_encoders = threading.local()


def canonical_json(data: Any) -> str:
    """`json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`,
    byte for byte. Why not call that: per record it spends more time building a JSONEncoder than
    encoding. This calls the C encoder json.dumps ends up in, with the same arguments, kept per
    thread; its circular-reference memo is emptied after a failure, as a fresh one would be."""
    try:
        encode, memo = _encoders.current
    except AttributeError:
        if _c_make_encoder is None:  # pragma: no cover
            return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        memo = {}
        encode = _c_make_encoder(memo, _unserialisable, encode_basestring, None, ":", ",", True, False, False)
        _encoders.current = encode, memo
    try:
        return "".join(encode(data, 0))
    except BaseException:
        memo.clear()
        raise


def _text(value: Any) -> str:
    return encode_basestring(value) if type(value) is str else canonical_json(value)


def _number(value: Any) -> str:
    """json's own rendering of an int or a finite float is repr()."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)
    return canonical_json(value)


def record_body(record: Any, seq: int, evidence: str, hds_activities: str, iso27001: str, duration_ms: Any) -> str:
    """`canonical_json({k: record[k] for k in HASHED_FIELDS})` for a `CheckResult` numbered `seq`,
    assembled field by field: `evidence`, `hds_activities` and `iso27001` come as the canonical
    JSON the store writes in their columns anyway, so each is encoded once."""
    return fields_body(
        record.check,
        record.control,
        duration_ms,
        evidence,
        hds_activities,
        iso27001,
        record.message,
        record.plugin,
        record.plugin_version,
        record.resource,
        record.run_id,
        seq,
        record.started_at,
        str(record.status),
        record.target,
        record.target_kind,
        record.tenant,
    )


def fields_body(
    check: Any,
    control: Any,
    duration_ms: Any,
    evidence: str,
    hds_activities: str,
    iso27001: str,
    message: Any,
    plugin: Any,
    plugin_version: Any,
    resource: Any,
    run_id: Any,
    seq: Any,
    started_at: Any,
    status: Any,
    target: Any,
    target_kind: Any,
    tenant: Any,
) -> str:
    """The canonical JSON of a record from its hashed fields (in sorted key order), the three JSON
    fields given already encoded. Strings go through the encoder json.dumps uses and numbers
    through repr as json does: byte-identical to `canonical_json` of the record (tested) when the
    JSON fields are canonical, which is how the store writes them."""
    strings = (check, control, message, plugin, plugin_version, resource, run_id, started_at, status, target)
    try:  # the usual case, every field a str: one pass of the C string encoder
        c, ctl, msg, pl, pv, res, rid, at, st, tg = map(encode_basestring, strings)
    except TypeError:
        c, ctl, msg, pl, pv, res, rid, at, st, tg = map(_text, strings)
    return (
        f'{{"check":{c},"control":{ctl},"duration_ms":{_number(duration_ms)},"evidence":{evidence},'
        f'"hds_activities":{hds_activities},"iso27001":{iso27001},"message":{msg},"plugin":{pl},'
        f'"plugin_version":{pv},"resource":{res},"run_id":{rid},"seq":{_number(seq)},"started_at":{at},'
        f'"status":{st},"target":{tg},"target_kind":{_text(target_kind)},"tenant":{_text(tenant)}}}'
    )


def hash_body(prev_hash: str, body: str) -> str:
    """The record hash from the previous hash and the record's canonical JSON."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body.encode("utf-8")).hexdigest()


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return hash_body(prev_hash, canonical_json({k: record[k] for k in HASHED_FIELDS}))


def counts_digest(counts: dict[str, int] | None) -> str:
    """SHA-256 of a run's counts as canonical JSON (`null` when the run has none): what a
    version-2 seal and a witness entry cover, so forged counts in `runs` are seen."""
    return hashlib.sha256(canonical_json(counts).encode("utf-8")).hexdigest()
