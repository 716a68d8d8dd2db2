#!/usr/bin/env python3
"""Verify an HDS evidence bundle offline, with nothing but the Python 3 standard library.

    python3 verify_bundle.py [BUNDLE_DIR] [--public-key HOST_KEY.pem]

Checks, in order: the SHA256SUMS of the bundle's files; every record against its SHA-256 hash
and the link to the record before it; every seal's Ed25519 signature (pure-Python RFC 8032
verification below) and that it covers exactly the run's records. Exit code 0: verified;
1: tampered (the first bad record or seal is named); 2: unusable bundle or arguments.

Pass --public-key with the host's public key obtained through another channel: without it the
key shipped in the bundle is used and its fingerprint printed, to compare with the published one.
This file is copied verbatim into every bundle by `hdsctl evidence export`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
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
SEAL_FIELDS = ("run_id", "tenant", "record_count", "first_record_hash", "last_record_hash", "sealed_at", "key_id")
# Version 2 seals also sign the SHA-256 of the run's counts (the bundle cannot check the counts
# themselves: they are fleet-wide figures, left out of a tenant's bundle).
SEAL_V2_FIELDS = (*SEAL_FIELDS, "counts_digest")
SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    body = canonical_json({k: record[k] for k in HASHED_FIELDS})
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body.encode("utf-8")).hexdigest()


def seal_payload(seal: dict[str, Any]) -> bytes:
    if seal.get("counts_digest") is None:
        return canonical_json({"format": "hds-seal/1", **{k: seal[k] for k in SEAL_FIELDS}}).encode("utf-8")
    return canonical_json({"format": "hds-seal/2", **{k: seal[k] for k in SEAL_V2_FIELDS}}).encode("utf-8")


# -- Ed25519 signature verification (RFC 8032, section 5.1.7), integers only --------------------
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _add(a: Point, b: Point) -> Point:
    p1 = (a[1] - a[0]) * (b[1] - b[0]) % _P
    p2 = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = p2 - p1, d - c, d + c, p2 + p1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _same(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _decode_point(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_BY = 4 * pow(5, _P - 2, _P) % _P
_BX = _recover_x(_BY, 0) or 0
_BASE: Point = (_BX, _BY, 1, _BX * _BY % _P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decode_point(public_key)
    r = _decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _same(_multiply(s, _BASE), _add(r, _multiply(h, a)))


def public_key_from_pem(text: str) -> bytes:
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(SPKI_ED25519_PREFIX):
        raise ValueError("not an Ed25519 public key (SubjectPublicKeyInfo PEM)")
    return der[len(SPKI_ED25519_PREFIX) :]


# -- the checks ----------------------------------------------------------------------------------
class Tampered(Exception):
    """The bundle does not verify; the message names the first bad file, record or seal."""


def _name(rec: dict[str, Any]) -> str:
    return f"run {rec['run_id']} seq {rec['seq']} ({rec['control']} on {rec['target'] or '-'})"


def check_sums(bundle: Path) -> int:
    lines = (bundle / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    for line in lines:
        digest, name = line.split("  ", 1)
        path = bundle / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise Tampered(f"file {name} does not match SHA256SUMS")
    return len(lines)


def check_chain(records: list[dict[str, Any]], tenant: str, from_genesis: bool) -> None:
    expected = GENESIS if from_genesis else (records[0]["prev_hash"] if records else GENESIS)
    for rec in records:
        if rec.get("tenant") != tenant:
            raise Tampered(f"record {_name(rec)} belongs to another tenant")
        if record_hash(rec["prev_hash"], rec) != rec["record_hash"]:
            raise Tampered(f"record {_name(rec)} was altered: its content does not match its hash")
        if rec["prev_hash"] != expected:
            raise Tampered(f"chain broken at record {_name(rec)}: the record before it is missing or out of order")
        expected = rec["record_hash"]


def check_seals(
    seals: list[dict[str, Any]], records: list[dict[str, Any]], bundle: Path, pinned: bytes | None
) -> set[str]:
    key_ids = set()
    for seal in seals:
        where = f"seal of run {seal['run_id']}"
        if pinned is not None:
            key = pinned
        else:
            key = public_key_from_pem((bundle / "keys" / f"{seal['key_id']}.pem").read_text(encoding="ascii"))
        if hashlib.sha256(key).hexdigest() != seal["key_id"]:
            raise Tampered(f"{where} was signed by another key (key id {seal['key_id'][:16]}…)")
        if not ed25519_verify(key, seal_payload(seal), base64.b64decode(seal["signature"])):
            raise Tampered(f"{where} does not verify: forged or altered seal")
        mine = [r for r in records if r["run_id"] == seal["run_id"]]
        facts = (len(mine), mine[0]["record_hash"] if mine else None, mine[-1]["record_hash"] if mine else None)
        if facts != (seal["record_count"], seal["first_record_hash"], seal["last_record_hash"]):
            raise Tampered(
                f"{where} covers {seal['record_count']} records, the bundle holds {len(mine)} "
                f"that do not match it: records deleted, added or rewritten"
            )
        key_ids.add(seal["key_id"])
    return key_ids


def verify(bundle: Path, pinned: bytes | None) -> str:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    records = json.loads((bundle / "records.json").read_text(encoding="utf-8"))
    seals = json.loads((bundle / "seals.json").read_text(encoding="utf-8"))
    files = check_sums(bundle)
    tenant = manifest["tenant"]
    check_chain(records, tenant, manifest["chain"]["from_genesis"])
    if len(records) != manifest["record_count"]:
        raise Tampered(f"manifest announces {manifest['record_count']} records, the bundle holds {len(records)}")
    sealed = {s["run_id"] for s in seals}
    warnings = []
    for run in manifest["runs"]:
        if run["run_id"] in sealed:
            continue
        if run.get("sealed") is not False:
            raise Tampered(f"run {run['run_id']} has no seal in the bundle")
        warnings.append(f"WARNING: run {run['run_id']} was exported unsealed: its records are chained, not signed")
    key_ids = check_seals(seals, records, bundle, pinned)
    keys = ", ".join(sorted(key_ids)) or "-"
    lines = [
        f"OK: tenant {tenant}, {len(records)} records, {len(seals)} seals, {files} files verified.",
        f"Signing key id(s) (SHA-256 of the raw public key): {keys}",
        *warnings,
    ]
    if not pinned:
        lines.append("Compare the key id with the fingerprint the host published, or pass --public-key.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = list(argv)
    pinned = None
    if "--public-key" in args:
        i = args.index("--public-key")
        try:
            pinned = public_key_from_pem(Path(args[i + 1]).read_text(encoding="ascii"))
        except (IndexError, OSError, ValueError) as exc:
            print(f"error: --public-key: {exc}", file=sys.stderr)
            return 2
        del args[i : i + 2]
    bundle = Path(args[0]) if args else Path(__file__).resolve().parent
    try:
        print(verify(bundle, pinned))
    except Tampered as exc:
        print(f"TAMPERED: {exc}")
        return 1
    except (OSError, KeyError, ValueError, TypeError, IndexError) as exc:
        print(f"error: unusable bundle {bundle}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
