"""Bounds on what one S3 answer may cost: its total time and its size.

botocore's `read_timeout` is per socket read: an endpoint dripping one byte per second is never
cut off, and every non-streaming answer is read whole into memory before parsing (a hostile
1.5 GB body became 8.4 GB of RSS). So each client's HTTP session is wrapped (`bound_client`):
bodies are read by `controlplane.bounded_read` — at most `runtime.max_response_mb`, whole within
the client's read timeout *and* before the collection's deadline. Once that deadline has passed,
no request is sent at all: the remaining aspects report it at once instead of each waiting its
own timeout.

The deadline and the size limit belong to a collection, not to a client (clients are shared by
the targets of a run, see `shared_clients`), so they travel in a context variable set by
`collection_budget` and copied into the collector's worker threads (`DaemonPool`).

Why the endpoint's private `http_session` is replaced: botocore offers no public hook between
receiving an answer's headers and reading its body (its session reads the body before
returning), and no public way to give a client another HTTP session class.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    BotoCoreError,
    ConnectionClosedError,
    HTTPClientError,
    ReadTimeoutError,
)

from controlplane import endpoint_limits
from controlplane.bounded_read import (
    DEFAULT_MAX_RESPONSE_MB,
    ResponseTooLarge,
    ResponseTooSlow,
    max_response_bytes,
    read_bounded,
)


@dataclass(frozen=True, slots=True)
class Budget:
    deadline: float | None
    """time.monotonic() by which the collection must be done; None: no collection deadline."""
    max_bytes: int
    timeout_s: float = 0.0


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("hds_s3_budget", default=None)
_NO_COLLECTION = Budget(None, max_response_bytes(DEFAULT_MAX_RESPONSE_MB))
"""Outside a collection (a demo, a test): no deadline but each answer's, the default size limit."""


@contextlib.contextmanager
def collection_budget(timeout_s: float, max_bytes: int) -> Iterator[Budget]:
    """Requests made in this context (and in pool threads started from it) end by
    now + `timeout_s` and read at most `max_bytes` per answer."""
    budget = Budget(time.monotonic() + timeout_s, max_bytes, timeout_s)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


class AnswerTooLarge(BotoCoreError):
    """Not retried: the endpoint would send the same again."""

    fmt = "the answer from {endpoint_url} was refused: {reason}"


class AnswerTooSlow(HTTPClientError):
    """Retried by botocore like a read timeout (if time is left)."""

    fmt = "the answer from {endpoint_url} was cut off: {reason}"


class BudgetSpent(BotoCoreError):
    """Not retried: the collection has no time left."""

    fmt = "not sent: the collection's {timeout_s:g}s budget was spent (endpoint {endpoint_url}){why}"


def _public(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class EndpointBusy(BotoCoreError):
    """Not retried: the endpoint's window (or its Retry-After) leaves no time before the deadline."""

    fmt = "{reason}"


THROTTLE_STATUS = frozenset({429, 503})


class _Body:
    """A body already read, as botocore's AWSResponse expects its raw stream."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._data


def _declared_length(headers: Any) -> int | None:
    try:
        return int(headers.get("content-length"))
    except (TypeError, ValueError):
        return None


class BoundedSession:
    """Wraps botocore's URLLib3Session: the same connections, bodies read within bounds."""

    def __init__(self, inner: Any, response_s: float, endpoint: str) -> None:
        self._inner = inner
        self._response_s = response_s
        self._endpoint = endpoint
        """host:port of the client's configured endpoint: the window's key. Not the request's
        host, which on virtual-hosted addressing is one per bucket (`bucket.s3.example`)."""

    def __getattr__(self, name: str) -> Any:  # close() and anything else botocore calls
        return getattr(self._inner, name)

    def send(self, request: Any) -> Any:
        budget = _budget.get() or _NO_COLLECTION
        started = time.monotonic()
        if budget.deadline is not None and started >= budget.deadline:
            note = endpoint_limits.limits().throttling(self._endpoint)
            url = _public(request.url)
            raise BudgetSpent(timeout_s=budget.timeout_s, endpoint_url=url, why=f"; {note}" if note else "")
        if request.stream_output:  # streamed bodies are read by the caller (the plugin reads none)
            return self._inner.send(request)
        # One slot of the endpoint's window per request (see `controlplane.endpoint_limits`): the
        # window shrinks on throttling answers, and a Retry-After holds the endpoint's requests.
        limiter = endpoint_limits.limits()
        try:
            slot = limiter.acquire(self._endpoint, budget.deadline)
        except endpoint_limits.SlotUnavailable as exc:
            raise EndpointBusy(reason=str(exc)) from None
        try:
            response = self._send_bounded(request, budget, started)
        except ConnectionClosedError:
            limiter.release(slot, "connection reset")
            raise
        except BaseException:
            limiter.release_neutral(slot)
            raise
        if response.status_code in THROTTLE_STATUS:
            retry_after = endpoint_limits.parse_retry_after(response.headers.get("retry-after"))
            limiter.release(slot, f"HTTP {response.status_code}", retry_after)
        else:
            limiter.release(slot)
        return response

    def _send_bounded(self, request: Any, budget: Budget, started: float) -> Any:
        request.stream_output = True  # headers only: the body is ours to read
        try:
            response = self._inner.send(request)
        finally:
            request.stream_output = False
        deadline = started + self._response_s
        if budget.deadline is not None:
            deadline = min(deadline, budget.deadline)
        raw = response.raw
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        ceiling = sock.gettimeout() if sock is not None else None

        def lower_timeout(left: float) -> None:
            if sock is not None:
                sock.settimeout(left if ceiling is None else min(ceiling, left))

        try:
            body = read_bounded(
                raw.read1, budget.max_bytes, deadline, _declared_length(response.headers), lower_timeout, started
            )
        except ResponseTooLarge as exc:
            raw.close()
            raise AnswerTooLarge(endpoint_url=_public(request.url), reason=str(exc)) from None
        except ResponseTooSlow as exc:
            raw.close()
            raise AnswerTooSlow(endpoint_url=_public(request.url), reason=str(exc)) from None
        except Exception as exc:
            raw.close()
            url = _public(request.url)  # no query string (a presigned URL's) in a message
            if time.monotonic() >= deadline - 0.05:  # our lowered socket timeout fired: the deadline did
                raise AnswerTooSlow(endpoint_url=url, reason=str(ResponseTooSlow(deadline - started))) from None
            raise _transport_error(exc, request, url) from None
        if sock is not None:
            sock.settimeout(ceiling)
        raw.release_conn()
        return AWSResponse(request.url, response.status_code, response.headers, _Body(body))


def _transport_error(exc: Exception, request: Any, url: str) -> BotoCoreError:
    """What botocore itself raises for the same failure while it reads a body."""
    from urllib3.exceptions import ProtocolError
    from urllib3.exceptions import ReadTimeoutError as URLLib3ReadTimeoutError

    if isinstance(exc, (URLLib3ReadTimeoutError, TimeoutError)):
        return ReadTimeoutError(endpoint_url=url, error=exc)
    if isinstance(exc, (ProtocolError, ConnectionError)):
        return ConnectionClosedError(error=exc, request=request, endpoint_url=url)
    return HTTPClientError(error=exc)


def bound_client(client: Any) -> Any:
    """Make every answer to `client` bounded in time (its read timeout, the collection's
    deadline) and size (the collection's limit). Returns the client."""
    endpoint = client._endpoint
    if not isinstance(endpoint.http_session, BoundedSession):
        key = urlsplit(client.meta.endpoint_url).netloc.rpartition("@")[2]
        endpoint.http_session = BoundedSession(endpoint.http_session, float(client.meta.config.read_timeout), key)
    return client


__all__ = [
    "AnswerTooLarge",
    "AnswerTooSlow",
    "BoundedSession",
    "BudgetSpent",
    "EndpointBusy",
    "bound_client",
    "collection_budget",
]
