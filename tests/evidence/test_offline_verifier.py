"""The bundle's pure-Python Ed25519 verification agrees with `cryptography`."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.evidence.keys import public_pem, raw_public
from controlplane.evidence.offline_verifier import ed25519_verify, public_key_from_pem


def test_pure_python_ed25519_accepts_genuine_and_rejects_altered_signatures():
    for size in (0, 1, 64, 1000):
        key = Ed25519PrivateKey.generate()
        message = os.urandom(size)
        signature = key.sign(message)
        public = raw_public(key.public_key())
        assert ed25519_verify(public, message, signature)
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert not ed25519_verify(public, message, flipped)
        assert not ed25519_verify(public, message + b"x", signature)
        assert not ed25519_verify(raw_public(Ed25519PrivateKey.generate().public_key()), message, signature)


def test_public_key_pem_parses_to_the_raw_key():
    key = Ed25519PrivateKey.generate().public_key()
    assert public_key_from_pem(public_pem(key).decode()) == raw_public(key)
