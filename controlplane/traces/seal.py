"""Seal a trace export like evidence: an Ed25519 signature over the file's SHA-256 and what the
export was (tenant, window, counts, sources), in a sidecar `FILE.seal.json`.

The sidecar holds the signed bytes themselves (`payload`, canonical JSON), the signature and the
public key, so a client verifies it offline with `hdsctl traces verify FILE --public-key HOST.pub`
or with standard tools only::

    jq -j .payload FILE.seal.json > payload.json
    jq -r .signature FILE.seal.json | base64 -d > payload.sig
    openssl pkeyutl -verify -pubin -inkey HOST.pub -rawin -in payload.json -sigfile payload.sig
    sha256sum FILE     # must equal the "sha256" inside payload.json

The key is the one that seals runs (`hdsctl evidence keygen`); its key id is what the host publishes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.errors import InputError
from controlplane.evidence.keys import key_id, public_b64
from controlplane.evidence.offline_verifier import ed25519_verify, public_key_from_pem
from controlplane.store.chain import canonical_json

SEAL_FORMAT = "hds-traces-seal/1"
MAX_SEAL_BYTES = 4 * 1024 * 1024


def seal_path(export: Path) -> Path:
    return export.with_name(export.name + ".seal.json")


def write_seal(export: Path, facts: dict[str, Any], key: Ed25519PrivateKey) -> Path:
    """Sign `facts` (which must hold the file's sha256) and write the sidecar next to the export."""
    public = key.public_key()
    payload = canonical_json({"format": SEAL_FORMAT, **facts, "key_id": key_id(public)})
    seal = {
        "payload": payload,
        "signature": base64.b64encode(key.sign(payload.encode("utf-8"))).decode("ascii"),
        "public_key": public_b64(public),
    }
    path = seal_path(export)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(seal, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Verified:
    facts: dict[str, Any]
    key_id: str
    pinned: bool


class NotVerified(Exception):
    """The export or its seal does not verify; the message says which check failed."""


def verify_export(export: Path, seal: Path | None = None, public_key: Path | None = None) -> Verified:
    """Check the seal's signature (with the pinned key when given) and that the export's SHA-256 is
    the signed one. Raises `NotVerified` for a tampered export or seal, `InputError` for a missing
    or unreadable file."""
    seal = seal or seal_path(export)
    for path, what in ((export, "export"), (seal, "seal")):
        if not path.is_file():
            raise InputError.single(str(path), "", f"{what} file not found")
    if seal.stat().st_size > MAX_SEAL_BYTES:
        raise InputError.single(str(seal), "", "too large for a seal")
    try:
        doc = json.loads(seal.read_text(encoding="utf-8"))
        payload, signature, shipped = doc["payload"], doc["signature"], doc["public_key"]
        facts = json.loads(payload)
        raw_sig = base64.b64decode(signature, validate=True)
        raw_key = base64.b64decode(shipped, validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError.single(str(seal), "", f"not a trace seal ({type(exc).__name__})") from None
    if not isinstance(facts, dict) or facts.get("format") != SEAL_FORMAT:
        raise InputError.single(str(seal), "format", f"not a {SEAL_FORMAT} seal")
    pinned = public_key is not None
    if public_key is not None:
        try:
            pinned_raw = public_key_from_pem(public_key.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError.single(str(public_key), "", f"not an Ed25519 public key PEM: {exc}") from None
        if pinned_raw != raw_key:
            raise NotVerified("the seal was made with another key than the pinned one")
    if hashlib.sha256(raw_key).hexdigest() != facts.get("key_id"):
        raise NotVerified("the seal's key id does not match its public key")
    if not ed25519_verify(raw_key, payload.encode("utf-8"), raw_sig):
        raise NotVerified("bad signature: the seal was altered or not made by this key")
    if file_sha256(export) != facts.get("sha256") or export.stat().st_size != facts.get("bytes"):
        raise NotVerified(f"{export.name} does not match its seal: the export was altered")
    return Verified(facts, facts["key_id"], pinned)
