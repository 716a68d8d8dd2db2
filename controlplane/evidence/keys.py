"""Ed25519 keys that seal runs: create, load (from a file or a secret reference), identify.

The private key is a PKCS#8 PEM file (mode 0600), or the same PEM in an environment variable
(`env:VAR`). It is never printed; its PEM is registered for redaction as soon as it is read. The
public key is a SubjectPublicKeyInfo PEM that `openssl` reads, and its key id (SHA-256 of the raw
32-byte key, hex) is what an auditor compares with the fingerprint the host publishes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from controlplane.errors import InputError
from controlplane.secrets import SecretRef, SecretResolutionError

KEY_ENV = "HDS_SIGNING_KEY"
"""Environment variable naming the signing key file (or `env:VAR` holding its PEM)."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def public_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public(key)).decode("ascii")


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def generate_key(path: Path, force: bool = False) -> tuple[Path, Path, str]:
    """Write a new private key to `path` (0600) and its public key to `path`.pub.
    Returns both paths and the key id. Refuses to overwrite an existing key unless forced."""
    pub_path = path.with_name(path.name + ".pub")
    if not path.parent.is_dir():
        raise InputError.single("-o", "", f"directory {path.parent} does not exist")
    for p in (path, pub_path):
        if p.exists() and not force:
            raise InputError.single("-o", "", f"{p} already exists (refusing to overwrite a key)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(path, 0o600)
    pub_path.write_bytes(public_pem(key.public_key()))
    return path, pub_path, key_id(key.public_key())


def signing_key_ref(source: str) -> SecretRef:
    """`env:VAR` names a variable holding the PEM; anything else is a file path."""
    if source.startswith("env:"):
        return SecretRef(env=source[4:])
    return SecretRef(file=str(Path(source).expanduser()))


def load_signing_key(source: str | Path | SecretRef, option: str = "--key") -> Ed25519PrivateKey:
    """Read an Ed25519 private key. Errors name the reference, never the key material."""
    ref = source if isinstance(source, SecretRef) else signing_key_ref(str(source))
    try:
        pem = ref.resolve().get_secret_value()
    except SecretResolutionError as exc:
        raise InputError.single(option, "", str(exc)) from None
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise InputError.single(
            option, "", f"{ref.describe()} is not an unencrypted PEM private key (see hdsctl evidence keygen)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError.single(option, "", f"{ref.describe()} is not an Ed25519 key")
    return key


def load_public_key(path: Path, option: str = "--public-key") -> Ed25519PublicKey:
    """Read an Ed25519 public key PEM (as written by keygen, or `openssl pkey -pubout`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.single(option, "", f"cannot read {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise InputError.single(option, "", f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError.single(option, "", f"{path} is not an Ed25519 public key")
    return key
