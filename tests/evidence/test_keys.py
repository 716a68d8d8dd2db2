"""Signing keys: created private (0600), loaded from a file or an env reference, never echoed."""

from __future__ import annotations

import hashlib
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from controlplane.errors import InputError
from controlplane.evidence import generate_key, key_id, load_public_key, load_signing_key
from controlplane.evidence.keys import raw_public


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path):
    private, public, kid = generate_key(tmp_path / "seal.key")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public == tmp_path / "seal.key.pub"
    key = load_signing_key(private)
    assert key_id(load_public_key(public)) == kid == hashlib.sha256(raw_public(key.public_key())).hexdigest()


def test_the_key_id_is_what_openssl_computes_from_the_public_key(tmp_path):
    _, public, kid = generate_key(tmp_path / "seal.key")
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(public), "-outform", "DER"], capture_output=True, check=True
    ).stdout
    assert hashlib.sha256(der[-32:]).hexdigest() == kid


def test_keygen_refuses_to_overwrite_a_key(tmp_path):
    generate_key(tmp_path / "seal.key")
    with pytest.raises(InputError, match="already exists"):
        generate_key(tmp_path / "seal.key")


def test_a_key_can_come_from_an_environment_variable(tmp_path, monkeypatch):
    private, _, kid = generate_key(tmp_path / "seal.key")
    monkeypatch.setenv("HDS_TEST_SEAL_PEM", private.read_text())
    assert key_id(load_signing_key("env:HDS_TEST_SEAL_PEM").public_key()) == kid


def test_errors_name_the_reference_never_the_key_material(tmp_path, monkeypatch):
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    monkeypatch.setenv("HDS_TEST_EC_PEM", pem)
    with pytest.raises(InputError) as info:
        load_signing_key("env:HDS_TEST_EC_PEM")
    assert "env:HDS_TEST_EC_PEM is not an Ed25519 key" in info.value.one_line()
    assert "PRIVATE KEY" not in info.value.one_line()
    with pytest.raises(InputError, match="cannot read secret file"):
        load_signing_key(tmp_path / "absent.key")
    (tmp_path / "garbage.key").write_text("not a key")
    with pytest.raises(InputError, match="not an unencrypted PEM private key"):
        load_signing_key(tmp_path / "garbage.key")
