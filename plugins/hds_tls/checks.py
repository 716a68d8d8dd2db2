"""TLS checks: pure functions of a TlsSnapshot. Each returns one finding for the endpoint,
with the observed values it judged as evidence."""

from __future__ import annotations

import re
from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_tls.collect import TlsSnapshot, now_utc
from hds_tls.hostname import name_matches

PROTOCOL_ORDER = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
WEAK_CIPHER_TOKENS = frozenset(
    {"RC4", "DES", "3DES", "NULL", "EXP", "EXPORT", "MD5", "ANON", "ADH", "AECDH", "PSK", "SRP", "IDEA", "SEED"}
)
"""OpenSSL cipher-name tokens that mark a broken or unauthenticated suite."""
MIN_KEY_BITS = {"RSA": 2048, "DSA": 2048}
MIN_EC_BITS = 256


def _rank(protocol: str) -> int:
    return PROTOCOL_ORDER.index(protocol) if protocol in PROTOCOL_ORDER else -1


def _base(s: TlsSnapshot) -> dict[str, Any]:
    return {"endpoint": s.endpoint}


@check("tls.protocol_version", "tls", "TLS 1.2+ only")
def protocol_version(s: TlsSnapshot, ctx: CheckContext) -> list[Finding]:
    minimum = str(ctx.params.get("min_version", "TLSv1.2"))
    accepted = [p for p, ok in s.legacy_accepted.items() if ok and _rank(p) < _rank(minimum)]
    untested = [p for p, ok in s.legacy_accepted.items() if ok is None]
    evidence = {
        **_base(s),
        "negotiated_protocol": s.protocol,
        "min_version": minimum,
        "legacy_protocols_accepted": accepted,
        "legacy_protocols_untested": untested,
    }
    if _rank(s.protocol) < _rank(minimum):
        return [Finding(Status.failed, f"negotiated {s.protocol}, older than {minimum}", s.endpoint, evidence)]
    if accepted:
        return [Finding(Status.failed, f"server still accepts {', '.join(accepted)}", s.endpoint, evidence)]
    note = f" ({', '.join(untested)} not testable from this client)" if untested else ""
    return [Finding(Status.passed, f"negotiates {s.protocol}; older protocols refused{note}", s.endpoint, evidence)]


@check("tls.certificate_chain", "tls", "trusted chain, strong key")
def certificate_chain(s: TlsSnapshot, ctx: CheckContext) -> list[Finding]:
    cert = s.certificate
    evidence = {
        **_base(s),
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_after": cert.not_after.isoformat(),
        "self_signed": cert.self_signed,
        "key": f"{cert.key_type} {cert.key_bits} bits",
        "signature_hash": cert.signature_hash,
        "chain_valid": s.chain_valid,
    }
    if not s.chain_valid:
        evidence["chain_error"] = s.chain_error
        return [Finding(Status.failed, f"certificate chain not trusted: {s.chain_error}", s.endpoint, evidence)]
    minimum = MIN_EC_BITS if cert.key_type.startswith("EC") else MIN_KEY_BITS.get(cert.key_type, 0)
    if cert.key_bits < minimum:
        return [
            Finding(
                Status.failed, f"{cert.key_type} key of {cert.key_bits} bits, below {minimum}", s.endpoint, evidence
            )
        ]
    if cert.signature_hash in ("md5", "sha1"):
        return [Finding(Status.failed, f"certificate signed with {cert.signature_hash}", s.endpoint, evidence)]
    return [Finding(Status.passed, f"chain trusted, issued by {cert.issuer}", s.endpoint, evidence)]


@check("tls.hostname_match", "tls", "SANs cover the service name")
def hostname_match(s: TlsSnapshot, ctx: CheckContext) -> list[Finding]:
    cert = s.certificate
    evidence = {
        **_base(s),
        "expected_name": s.server_name,
        "subject": cert.subject,
        "san_dns": cert.dns_names,
        "san_ip": cert.ip_addresses,
    }
    if name_matches(s.server_name, cert.dns_names, cert.ip_addresses):
        return [Finding(Status.passed, f"certificate covers {s.server_name}", s.endpoint, evidence)]
    names = ", ".join(cert.dns_names + cert.ip_addresses) or "no subject alternative name"
    return [
        Finding(Status.failed, f"certificate does not cover {s.server_name} (it names: {names})", s.endpoint, evidence)
    ]


@check("tls.certificate_expiry", "tls", "not expiring soon")
def certificate_expiry(s: TlsSnapshot, ctx: CheckContext) -> list[Finding]:
    minimum = int(ctx.params.get("min_days_before_expiry", 30))
    cert = s.certificate
    days_left = (cert.not_after - now_utc()).total_seconds() / 86400
    evidence = {
        **_base(s),
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "days_left": round(days_left, 1),
        "min_days_before_expiry": minimum,
    }
    if days_left < 0:
        return [Finding(Status.failed, f"certificate expired {-days_left:.0f} days ago", s.endpoint, evidence)]
    if days_left < minimum:
        return [
            Finding(Status.failed, f"certificate expires in {days_left:.0f} days (< {minimum})", s.endpoint, evidence)
        ]
    return [Finding(Status.passed, f"certificate valid for {days_left:.0f} more days", s.endpoint, evidence)]


@check("tls.cipher_strength", "tls", "no weak cipher negotiated")
def cipher_strength(s: TlsSnapshot, ctx: CheckContext) -> list[Finding]:
    min_bits = int(ctx.params.get("min_key_bits", 128))
    need_fs = bool(ctx.params.get("require_forward_secrecy", True))
    name = s.cipher.upper()
    forward_secret = s.protocol == "TLSv1.3" or name.startswith(("ECDHE-", "DHE-"))
    evidence = {
        **_base(s),
        "protocol": s.protocol,
        "cipher": s.cipher,
        "cipher_bits": s.cipher_bits,
        "forward_secrecy": forward_secret,
    }
    if WEAK_CIPHER_TOKENS & set(re.split(r"[-_]", name)):
        return [Finding(Status.failed, f"weak cipher negotiated: {s.cipher}", s.endpoint, evidence)]
    if s.cipher_bits < min_bits:
        return [
            Finding(
                Status.failed, f"cipher {s.cipher} has {s.cipher_bits}-bit keys (< {min_bits})", s.endpoint, evidence
            )
        ]
    if need_fs and not forward_secret:
        return [
            Finding(
                Status.failed, f"cipher {s.cipher} has no forward secrecy (static key exchange)", s.endpoint, evidence
            )
        ]
    return [Finding(Status.passed, f"negotiated {s.cipher} ({s.cipher_bits} bits)", s.endpoint, evidence)]
