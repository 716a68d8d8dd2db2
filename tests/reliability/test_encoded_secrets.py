"""A secret echoed back encoded is redacted like the secret itself: base64 (standard and URL-safe)
wherever the secret sits inside the encoded text, and URL-encoded (either case of escapes)."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

import pytest

from controlplane.secrets import MASK, redact, redact_data, remember

SECRET = "s3cr3t/Value+with=odd-chars_0123"


@pytest.fixture(autouse=True)
def remembered() -> None:
    remember(SECRET)


@pytest.mark.parametrize("prefix", ["", "B", "Be", "Bearer ", "Authorization: Basic ", "x" * 50])
@pytest.mark.parametrize("suffix", ["", "!", "; path=/"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode], ids=["std", "urlsafe"])
def test_base64_of_any_text_holding_the_secret_is_masked(prefix, suffix, encode):
    echoed = encode(f"{prefix}{SECRET}{suffix}".encode()).decode()
    text = redact(f"server said: {echoed}")
    assert MASK in text
    assert echoed not in text
    for start in range(len(text)):  # no base64 run left in the text decodes to the secret
        for end in range(start + 4, len(text) + 1, 4):
            try:
                decoded = base64.b64decode(text[start:end], altchars=b"-_" if encode is not base64.b64encode else None)
            except ValueError:
                continue
            assert SECRET.encode() not in decoded


@pytest.mark.parametrize(
    "echoed",
    [
        quote(SECRET, safe=""),
        quote(SECRET),
        quote_plus(SECRET),
        quote(SECRET, safe="").replace("%2F", "%2f").replace("%2B", "%2b").replace("%3D", "%3d"),
    ],
)
def test_url_encoded_secret_is_masked(echoed):
    assert echoed != SECRET
    assert redact(f"redirected to /login?next={echoed}&x=1") == f"redirected to /login?next={MASK}&x=1"
    assert redact_data({"location": [f"?token={echoed}"]}) == [{"location": [f"?token={MASK}"]}][0]


def test_unrelated_base64_is_left_alone():
    other = base64.b64encode(b"a certificate fingerprint, nothing secret").decode()
    assert redact(other) == other
