"""Real local TLS endpoints with generated certificates, for `hdsctl demo` and the tests.

Why in the plugin and not in tests/: the demo ships in the wheel and needs the same servers;
one implementation serves both.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HDS control plane (local)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key(kind: str) -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return ec.generate_private_key(ec.SECP256R1())


@dataclass(frozen=True)
class IssuedCert:
    cert_path: Path
    key_path: Path


class LocalCA:
    """A throw-away certificate authority writing PEM files into `directory`."""

    def __init__(self, directory: Path, name: str = "HDS local test CA") -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.key = _new_key("ec")
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ca_path = directory / "ca.pem"
        self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        label: str,
        names: list[str],
        *,
        days_valid: float = 365,
        not_before_days: float = 1,
        self_signed: bool = False,
        key: str = "ec",
    ) -> IssuedCert:
        leaf_key = _new_key(key)
        now = datetime.now(UTC)
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        issuer_name = _name(names[0]) if self_signed else self.cert.subject
        signer = leaf_key if self_signed else self.key
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(issuer_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=not_before_days))
            .not_valid_after(now + timedelta(days=days_valid))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )
        cert_path = self.directory / f"{label}.pem"
        key_path = self.directory / f"{label}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        return IssuedCert(cert_path, key_path)


class LocalTlsServer:
    """A TLS server on 127.0.0.1 that completes handshakes and closes. One thread accepts;
    each connection is handled in its own short-lived daemon thread."""

    def __init__(
        self,
        cert: IssuedCert,
        *,
        min_version: str = "TLSv1_2",
        max_version: str | None = None,
        ciphers: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = getattr(ssl.TLSVersion, min_version)
            if max_version:
                ctx.maximum_version = getattr(ssl.TLSVersion, max_version)
        if ciphers:
            ctx.set_ciphers(ciphers)
        elif min_version in ("TLSv1", "TLSv1_1"):
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.load_cert_chain(cert.cert_path, cert.key_path)  # after set_ciphers: SECLEVEL gates key size
        self._ctx = ctx
        self._sock = socket.create_server((host, 0))
        self._sock.settimeout(None)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"tls-{self.port}")

    def __enter__(self) -> LocalTlsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalTlsServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with self._ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)  # wait for the client to close
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)
