"""TLS checks against real local TLS servers with generated certificates."""

from __future__ import annotations

import socket

import pytest

from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.results import Status
from hds_tls import checks
from hds_tls.collect import collect_tls
from hds_tls.target import TlsTarget
from tests.support.tls_fixtures import target_for

TENANT = TenantView("t1", "T1", (4,), {})


def snapshot(server, ca, name="portail.test", **kw):
    target = TlsTarget(**target_for(server, ca, name, **kw))
    return target, collect_tls(target, CollectContext(TENANT, "portail", 5.0))


def verdict(check, target, snap, **params):
    ctx = CheckContext(TENANT, target, "portail", "TLS-XX", params)
    [finding] = check(snap, ctx)
    return finding


@pytest.fixture(scope="module")
def good(tls_server):
    return tls_server("good", ["portail.test", "127.0.0.1"])


def test_good_endpoint_passes_every_check(good, ca):
    target, snap = snapshot(good, ca)
    for check in (
        checks.protocol_version,
        checks.certificate_chain,
        checks.hostname_match,
        checks.certificate_expiry,
        checks.cipher_strength,
    ):
        finding = verdict(check, target, snap, min_days_before_expiry=30)
        assert finding.status is Status.passed, (check.__name__, finding.message)
        assert finding.evidence["endpoint"] == f"127.0.0.1:{good.port}"
    assert snap.protocol == "TLSv1.3"
    assert snap.legacy_accepted == {"TLSv1": False, "TLSv1.1": False}


def test_evidence_names_protocol_cipher_subject_issuer_not_after_and_sans(good, ca):
    target, snap = snapshot(good, ca)
    chain = verdict(checks.certificate_chain, target, snap).evidence
    assert chain["subject"].endswith("CN=portail.test") or "CN=portail.test" in chain["subject"]
    assert "HDS local test CA" in chain["issuer"]
    assert chain["not_after"]
    assert verdict(checks.hostname_match, target, snap).evidence["san_dns"] == ["portail.test"]
    assert verdict(checks.hostname_match, target, snap).evidence["san_ip"] == ["127.0.0.1"]
    cipher = verdict(checks.cipher_strength, target, snap).evidence
    assert cipher["protocol"] == "TLSv1.3" and cipher["cipher"].startswith("TLS_")


def test_expired_certificate_fails_expiry_and_chain(tls_server, ca):
    server = tls_server("expired", ["portail.test"], days_valid=-2, not_before_days=100)
    target, snap = snapshot(server, ca)
    expiry = verdict(checks.certificate_expiry, target, snap, min_days_before_expiry=30)
    assert expiry.status is Status.failed and expiry.message.startswith("certificate expired 2 days ago")
    chain = verdict(checks.certificate_chain, target, snap)
    assert chain.status is Status.failed and "expired" in chain.message


def test_certificate_expiring_within_threshold_fails(tls_server, ca):
    server = tls_server("soon", ["portail.test"], days_valid=10)
    target, snap = snapshot(server, ca)
    assert verdict(checks.certificate_expiry, target, snap, min_days_before_expiry=30).status is Status.failed
    assert verdict(checks.certificate_expiry, target, snap, min_days_before_expiry=5).status is Status.passed


def test_wrong_host_fails_hostname_only(tls_server, ca):
    server = tls_server("wronghost", ["autre.test"])
    target, snap = snapshot(server, ca)
    finding = verdict(checks.hostname_match, target, snap)
    assert finding.status is Status.failed
    assert finding.message == "certificate does not cover portail.test (it names: autre.test)"
    assert verdict(checks.certificate_chain, target, snap).status is Status.passed


def test_self_signed_certificate_is_not_trusted(tls_server, ca):
    server = tls_server("selfsigned", ["portail.test"], self_signed=True)
    target, snap = snapshot(server, ca)
    finding = verdict(checks.certificate_chain, target, snap)
    assert finding.status is Status.failed
    assert finding.evidence["self_signed"] is True
    assert "self-signed" in finding.message or "self signed" in finding.message


def test_untrusted_when_no_ca_bundle_given(good, ca):
    target = TlsTarget(name="portail", host=good.host, port=good.port, server_name="portail.test")
    snap = collect_tls(target, CollectContext(TENANT, "portail", 5.0))
    assert verdict(checks.certificate_chain, target, snap).status is Status.failed


def test_legacy_tls10_acceptance_fails_protocol_check(tls_server, ca):
    server = tls_server("legacy", ["portail.test"], min_version="TLSv1")
    target, snap = snapshot(server, ca)
    finding = verdict(checks.protocol_version, target, snap, min_version="TLSv1.2")
    assert snap.protocol == "TLSv1.3"  # a modern client still gets 1.3 ...
    assert finding.status is Status.failed  # ... but old clients are let in
    assert finding.evidence["legacy_protocols_accepted"] == ["TLSv1", "TLSv1.1"]


def test_tls10_only_server_fails_on_negotiated_protocol(tls_server, ca):
    server = tls_server("only10", ["portail.test"], min_version="TLSv1", max_version="TLSv1")
    target, snap = snapshot(server, ca)
    finding = verdict(checks.protocol_version, target, snap, min_version="TLSv1.2")
    assert finding.status is Status.failed
    assert finding.message == "negotiated TLSv1, older than TLSv1.2"


def test_static_rsa_cipher_fails_forward_secrecy(tls_server, ca):
    server = tls_server(
        "staticrsa", ["portail.test"], key="rsa", max_version="TLSv1_2", ciphers="AES128-SHA:@SECLEVEL=0"
    )
    target, snap = snapshot(server, ca)
    finding = verdict(checks.cipher_strength, target, snap, min_key_bits=128, require_forward_secrecy=True)
    assert finding.status is Status.failed
    assert "no forward secrecy" in finding.message
    assert verdict(checks.cipher_strength, target, snap, require_forward_secrecy=False).status is Status.passed


def test_weak_rsa_key_fails_chain(tls_server, ca):
    server = tls_server("rsa1024", ["portail.test"], key="rsa1024", ciphers="ALL:@SECLEVEL=0")
    target, snap = snapshot(server, ca)
    finding = verdict(checks.certificate_chain, target, snap)
    assert finding.status is Status.failed
    assert finding.message == "RSA key of 1024 bits, below 2048"


def test_refused_connection_is_transient(ca):
    from controlplane.errors import TransientError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        target = TlsTarget(name="x", host="127.0.0.1", port=port)
        with pytest.raises(TransientError, match=r"cannot connect to 127\.0\.0\.1"):
            collect_tls(target, CollectContext(TENANT, "x", 2.0))


@pytest.mark.parametrize(
    ("expected", "dns", "ips", "ok"),
    [
        ("a.example.fr", ["a.example.fr"], [], True),
        ("A.Example.FR.", ["a.example.fr"], [], True),
        ("a.example.fr", ["*.example.fr"], [], True),
        ("b.a.example.fr", ["*.example.fr"], [], False),
        ("example.fr", ["*.example.fr"], [], False),
        ("a.example.fr", ["*.fr"], [], False),
        ("10.0.0.1", ["*.example.fr"], ["10.0.0.1"], True),
        ("10.0.0.2", [], ["10.0.0.1"], False),
        ("a.example.fr", [], [], False),
    ],
)
def test_hostname_matching_rules(expected, dns, ips, ok):
    from hds_tls.hostname import name_matches

    assert name_matches(expected, dns, ips) is ok
