"""The BMC's TLS certificate, read by a handshake before any credential is sent (RF-08).

A handshake verified with the target's CA bundle (system store without one) and the BMC's
host name; when it fails, a second, unverified handshake reads the certificate for evidence
only (nothing is sent on it)."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509


def _describe(der: bytes) -> dict[str, Any]:
    cert = x509.load_der_x509_certificate(der)
    return {
        "subject": cert.subject.rfc4514_string()[:300],
        "issuer": cert.issuer.rfc4514_string()[:300],
        "self_signed": cert.issuer == cert.subject,
        "not_after": cert.not_valid_after_utc.astimezone(UTC).isoformat(timespec="seconds"),
    }


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout_s: float) -> bytes:
    with (
        socket.create_connection((host, port), timeout=timeout_s) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b""


def probe_tls(url: str, ca_bundle: str | None, timeout_s: float) -> dict[str, Any]:
    """{"scheme", "verified", "ca_bundle", "error"?, "subject", "issuer", "self_signed", "not_after"}.
    Raises OSError when the BMC cannot be reached at all."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    out: dict[str, Any] = {"scheme": "https", "ca_bundle": ca_bundle is not None}
    try:
        context = ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise OSError(f"{parts.netloc}: cannot load the CA bundle {ca_bundle}: {exc}") from None
    try:
        der = _handshake(host, port, context, timeout_s)
        out["verified"] = True
    except ssl.SSLCertVerificationError as exc:
        out.update(verified=False, error=str(exc.verify_message or exc)[:200])
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        try:
            der = _handshake(host, port, insecure, timeout_s)
        except (OSError, ssl.SSLError):
            return out
    except ssl.SSLError as exc:
        raise OSError(f"{parts.netloc}: TLS handshake failed: {str(exc)[:200]}") from None
    except TimeoutError:
        raise OSError(f"{parts.netloc}: no TLS handshake within {timeout_s:.3g}s") from None
    if der:
        try:
            out.update(_describe(der))
        except ValueError:
            out["certificate"] = "unreadable"
    return out
