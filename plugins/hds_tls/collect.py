"""Collect one TLS endpoint: a few real handshakes (stdlib ssl), parsed with cryptography.

Handshakes made, all bounded by the collection timeout:
- *observe*: no verification, every cipher offered, so we see what the server chooses and
  its certificate even when the certificate is bad;
- *verify*: chain verified against the configured CA bundle or the system store;
- *legacy probes*: TLS 1.0 and 1.1 only, to see whether the server still accepts them.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from controlplane.errors import TransientError
from controlplane.plugin_types import CollectContext
from hds_tls.target import TlsTarget

ALL_CIPHERS = "ALL:@SECLEVEL=0"
LEGACY = {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1_1"}


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    dns_names: list[str]
    ip_addresses: list[str]
    key_type: str
    key_bits: int
    signature_hash: str
    self_signed: bool


@dataclass(frozen=True)
class TlsSnapshot:
    endpoint: str
    server_name: str
    protocol: str
    cipher: str
    cipher_bits: int
    certificate: CertificateInfo
    chain_valid: bool
    chain_error: str | None
    legacy_accepted: dict[str, bool | None] = field(default_factory=dict)
    """Per legacy protocol: True accepted, False refused, None not testable from this client."""


def _key_info(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def parse_certificate(der: bytes) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    key_type, key_bits = _key_info(cert)
    algo = cert.signature_hash_algorithm
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        dns_names=list(dns),
        ip_addresses=ips,
        key_type=key_type,
        key_bits=key_bits,
        signature_hash=algo.name if algo else "none",
        self_signed=cert.issuer == cert.subject,
    )


def _context(verify: bool, ca_bundle: str | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # hostname is judged separately, on the SANs
    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        if ca_bundle:
            ctx.load_verify_locations(cafile=ca_bundle)
        else:
            ctx.load_default_certs()
    else:
        ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers(ALL_CIPHERS)  # offer everything: we judge what the *server* picks
    return ctx


def _handshake(target: TlsTarget, ctx: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    try:
        sock = socket.create_connection((target.host, target.port), timeout=timeout)
    except (TimeoutError, ConnectionError) as exc:
        raise TransientError(f"cannot connect to {target.host}:{target.port}: {exc}") from None
    except OSError as exc:
        raise TransientError(f"cannot connect to {target.host}:{target.port}: {exc.strerror or exc}") from None
    try:
        return ctx.wrap_socket(sock, server_hostname=target.expected_name)
    except BaseException:
        sock.close()
        raise


def _probe_legacy(target: TlsTarget, version_name: str, timeout: float) -> bool | None:
    ctx = _context(False, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        version = getattr(ssl.TLSVersion, LEGACY[version_name])
        try:
            ctx.minimum_version = version
            ctx.maximum_version = version
        except (ValueError, ssl.SSLError):
            return None
    try:
        with _handshake(target, ctx, timeout):
            return True
    except ssl.SSLError as exc:
        if "NO_PROTOCOLS_AVAILABLE" in str(exc) or "no protocols available" in str(exc):
            return None  # refused by our own OpenSSL build, not by the server
        return False
    except (ConnectionResetError, TransientError):
        return False  # servers commonly drop the connection on an unsupported version


def collect_tls(target: TlsTarget, ctx: CollectContext) -> TlsSnapshot:
    timeout = ctx.timeout_s
    try:
        with _handshake(target, _context(False, None), timeout) as tls:
            protocol = tls.version() or "unknown"
            cipher_name, _proto, bits = tls.cipher() or ("unknown", "", 0)
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLEOFError:  # the server hung up mid-handshake: a connection failure, not a TLS verdict
        raise TransientError(
            f"TLS handshake with {target.host}:{target.port} failed: connection closed by the server (EOF)"
        ) from None
    except ssl.SSLError as exc:
        raise RuntimeError(f"TLS handshake failed: {exc.reason or exc}") from None
    except (TimeoutError, ConnectionError) as exc:  # reset, broken pipe, aborted: whichever call saw it
        raise TransientError(f"TLS handshake with {target.host}:{target.port} failed: {exc}") from None
    if not der:
        raise RuntimeError("server presented no certificate")
    chain_error: str | None = None
    try:
        with _handshake(target, _context(True, target.ca_bundle), timeout):
            pass
    except ssl.SSLCertVerificationError as exc:
        chain_error = exc.verify_message or str(exc)
    except ssl.SSLError as exc:
        chain_error = f"handshake failed during verification: {exc.reason or exc}"
    legacy = {name: _probe_legacy(target, name, timeout) for name in LEGACY}
    return TlsSnapshot(
        endpoint=f"{target.host}:{target.port}",
        server_name=target.expected_name,
        protocol=protocol,
        cipher=cipher_name,
        cipher_bits=int(bits or 0),
        certificate=parse_certificate(der),
        chain_valid=chain_error is None,
        chain_error=chain_error,
        legacy_accepted=legacy,
    )


def now_utc() -> datetime:
    return datetime.now(UTC)
