"""The webhook payload and URL handling, without a run."""

from __future__ import annotations

import pytest

from controlplane.drift import DriftItem, DriftReport, TenantDrift
from controlplane.errors import InputError
from controlplane.notify import build_payload, check_url, post_json, public_url
from tests.drift.webhooks import SilentListener, WebhookReceiver, refused_port


def item(control: str, resource: str, status: str = "fail") -> DriftItem:
    return DriftItem(control, "portail", resource, status, None, f"{resource} is {status}", "tls.x", "tls")


def report() -> DriftReport:
    return DriftReport(
        "run-2",
        (
            TenantDrift(
                "t-a", "run-1", new_failures=(item("TLS-01", "r1"), item("TLS-04", "r1")), fixed=(item("TLS-02", "r9"),)
            ),
            TenantDrift("t-b", "run-1", still_failing=(item("TLS-01", "r1"),)),
        ),
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:pa55@hooks.example.org/services/T0/B0?token=abc#frag",
            "https://hooks.example.org",
        ),
        ("https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", "https://hooks.slack.com"),
        ("https://chat.example.org/hooks/k3yk3yk3ysecret", "https://chat.example.org"),
        ("http://127.0.0.1:8080/hook?sig=xyz", "http://127.0.0.1:8080"),
        ("http://[::1]:9000/h", "http://[::1]:9000"),
    ],
)
def test_public_url_shows_scheme_host_and_port_only(url: str, shown: str):
    assert public_url(url) == shown


@pytest.mark.parametrize("url", ["ftp://host/x", "file:///etc/passwd", "http:///nohost", "http://host:99999/x"])
def test_unusable_urls_are_refused_without_echoing_them(url: str):
    with pytest.raises(InputError) as err:
        check_url(url)
    assert err.value.one_line().startswith("--notify: ")
    assert url not in err.value.one_line()


def test_payload_lists_only_new_failures_with_counts_of_the_rest():
    payload = build_payload(report(), {"run_id": "run-2", "status": "completed"})
    assert payload is not None
    assert (payload["new_failures"], payload["fixed"], payload["still_failing"]) == (2, 1, 1)
    assert [t["tenant"] for t in payload["tenants"]] == ["t-a"]
    assert [f["control"] for f in payload["tenants"][0]["new_failures"]] == ["TLS-01", "TLS-04"]
    assert payload["text"].startswith(
        "HDS control plane: 2 new failures in run run-2: t-a: TLS-01 on portail/r1 is fail"
    )


def test_no_payload_when_nothing_newly_fails():
    quiet = DriftReport("run-2", (TenantDrift("t-b", "run-1", still_failing=(item("TLS-01", "r1"),)),))
    assert build_payload(quiet, {"run_id": "run-2"}) is None


def test_post_json_reaches_the_receiver_with_basic_auth_and_query():
    receiver = WebhookReceiver()
    try:
        url = f"http://alice:s%3Acret@127.0.0.1:{receiver.port}/hook?token=abc"
        assert post_json(url, {"x": 1}, 5) is None
    finally:
        receiver.close()
    (got,) = receiver.received
    assert got.path == "/hook?token=abc" and got.body == {"x": 1}
    assert got.headers["Authorization"] == "Basic YWxpY2U6czpjcmV0"  # alice:s:cret
    assert got.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("kind", ["http-500", "refused", "silent", "redirect"])
def test_post_json_turns_every_failure_into_a_warning_without_secrets(kind: str):
    closers = []
    if kind in ("http-500", "redirect"):
        receiver = WebhookReceiver(status=500 if kind == "http-500" else 307)
        port, closers = receiver.port, [receiver.close]
    elif kind == "silent":
        listener = SilentListener()
        port, closers = listener.port, [listener.close]
    else:
        port = refused_port()
    try:
        warning = post_json(f"http://bob:hunter22@127.0.0.1:{port}/hook?token=abc", {"x": 1}, 0.5)
    finally:
        for close in closers:
            close()
    assert warning is not None
    assert warning.startswith(f"notification to http://127.0.0.1:{port} failed: ")
    assert "/hook" not in warning
    assert "hunter22" not in warning and "token" not in warning and "bob" not in warning
    expected = {"http-500": "HTTP 500", "refused": "ConnectionRefusedError", "silent": "0.5s", "redirect": "HTTP 307"}
    assert expected[kind] in warning
