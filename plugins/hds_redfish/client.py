"""A small read-only Redfish client on urllib3: GET a resource, get its JSON, within bounds.

Why not DMTF `redfish` or OpenStack `sushy`: both read each answer whole through `requests`
(a per-read timeout, no size limit), so a BMC dripping one byte per second or sending a
gigabyte holds a worker or its memory; sushy also builds resource objects we would not use.
Reading a handful of JSON documents needs neither. Here every answer is read by
`controlplane.bounded_read` (at most `max_bytes`, whole before the collection's deadline), every
request takes a slot of its BMC's window (`controlplane.endpoint_limits`: 429/503 and resets
shrink it, Retry-After holds it), and the client only ever sends GET.

Credentials travel as HTTP Basic on each GET (no session is created: nothing is written on the
BMC), and only over TLS verified with the target's CA bundle, or to a loopback address.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import urllib3
from pydantic import SecretStr
from urllib3.exceptions import HTTPError, ProtocolError, SSLError

from controlplane import endpoint_limits
from controlplane.bounded_read import ResponseTooLarge, ResponseTooSlow, read_bounded
from controlplane.errors import TransientError
from controlplane.secrets import redact

MAX_DEPTH_PATH = 512
"""Longest @odata.id the client follows: a BMC's links are short paths under /redfish/v1."""


class RedfishError(Exception):
    """The BMC did not give a usable answer; the message names the BMC and the path, never a secret."""


def _safe(text: str) -> str:
    """A BMC's words, made harmless for a message: printable, short, secrets masked."""
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return redact(printable)[:200]


class RedfishClient:
    """GETs to one BMC, all ending by `deadline` (time.monotonic() scale)."""

    def __init__(
        self,
        base_url: str,
        username: SecretStr,
        password: SecretStr,
        ca_bundle: str | None,
        timeout_s: float,
        deadline: float,
        max_bytes: int,
    ) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.endpoint = parts.netloc
        self._timeout_s = timeout_s
        self.deadline = deadline
        self._max_bytes = max_bytes
        token = base64.b64encode(f"{username.get_secret_value()}:{password.get_secret_value()}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "OData-Version": "4.0",
            "User-Agent": "hds-controlplane",
        }
        kwargs: dict[str, Any] = {"maxsize": 2, "retries": False, "block": False}
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=ca_bundle)
            kwargs.update(ssl_context=context, assert_hostname=parts.hostname)
        self._pool = urllib3.connection_from_url(base_url, **kwargs)
        self.requests = 0

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> RedfishClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> dict[str, Any] | None:
        """The JSON object at `path`; None when the BMC answers 404 (it does not expose it)."""
        if not path.startswith("/redfish/v1") or len(path) > MAX_DEPTH_PATH or "\\" in path or ".." in path:
            raise RedfishError(f"{self.endpoint}: refused to follow the link {_safe(path)!r}")
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RedfishError(f"{self.endpoint}: not sent ({path}): the collection's time budget was spent")
        limiter = endpoint_limits.limits()
        try:
            slot = limiter.acquire(self.endpoint, self.deadline)
        except endpoint_limits.SlotUnavailable as exc:
            raise RedfishError(f"{path}: {exc}") from None
        throttled: str | None = None
        retry_after: float | None = None
        try:
            status, body, retry_after = self._send(path, left)
            if status in (429, 503):
                throttled = f"HTTP {status}"
        except _Reset as exc:
            limiter.release(slot, "connection reset")
            raise RedfishError(str(exc)) from None
        except BaseException:
            limiter.release_neutral(slot)
            raise
        limiter.release(slot, throttled, retry_after)
        if throttled:
            raise TransientError(f"{self.endpoint}: {path}: BMC is throttling ({throttled})")
        if status == 404:
            return None
        if status in (401, 403):
            raise Forbidden(f"{self.endpoint}: {path}: the BMC refused the account (HTTP {status})")
        if status != 200:
            raise HttpStatus(f"{self.endpoint}: {path}: HTTP {status}")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise RedfishError(f"{self.endpoint}: {path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise RedfishError(f"{self.endpoint}: {path}: the answer is not a JSON object")
        return data

    def _send(self, path: str, left: float) -> tuple[int, bytes, float | None]:
        started = time.monotonic()
        deadline = min(self.deadline, started + self._timeout_s)
        per_read = max(0.05, min(self._timeout_s, left))
        timeout = urllib3.Timeout(connect=min(per_read, 10.0), read=per_read)
        self.requests += 1
        try:
            response = self._pool.urlopen(
                "GET", path, headers=self._headers, timeout=timeout, preload_content=False, redirect=False
            )
        except SSLError as exc:
            raise RedfishError(f"{self.endpoint}: TLS verification failed: {_safe(str(exc))}") from None
        except ProtocolError as exc:
            raise _Reset(f"{self.endpoint}: {path}: connection reset or garbled answer: {_safe(str(exc))}") from None
        except HTTPError as exc:
            raise RedfishError(f"{self.endpoint}: {path}: {_safe(type(exc).__name__ + ': ' + str(exc))}") from None
        sock = getattr(getattr(response, "connection", None), "sock", None)

        def lower_timeout(seconds: float) -> None:
            if sock is not None:
                sock.settimeout(max(0.01, seconds))

        declared = response.headers.get("content-length")
        try:
            body = read_bounded(
                response.read1,
                self._max_bytes,
                deadline,
                int(declared) if declared and declared.isdigit() else None,
                lower_timeout,
                started,
            )
        except (ResponseTooLarge, ResponseTooSlow) as exc:
            response.release_conn()
            response.close()
            raise RedfishError(f"{self.endpoint}: {path}: {exc}") from None
        except (HTTPError, OSError) as exc:
            response.close()
            if time.monotonic() >= deadline - 0.05:
                raise RedfishError(f"{self.endpoint}: {path}: {ResponseTooSlow(deadline - started)}") from None
            raise _Reset(f"{self.endpoint}: {path}: connection broken while reading: {_safe(str(exc))}") from None
        response.release_conn()
        retry_after = endpoint_limits.parse_retry_after(response.headers.get("retry-after"))
        return response.status, body, retry_after


class HttpStatus(RedfishError):
    """The BMC answered this resource with an error status (5xx...): that part is unreadable."""


class Forbidden(RedfishError):
    """The BMC refused the account this resource (401/403)."""


class _Reset(RedfishError):
    """The connection broke: counted as throttling by the endpoint's window."""
