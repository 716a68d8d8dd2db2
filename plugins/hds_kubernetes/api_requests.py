"""Requests to a Kubernetes API server: each answer bounded, each request in the server's window.

`BoundedPoolManager` stands in for the official client's urllib3 pool manager, the one place
every request goes through. Answers come back already read, within the size limit and before the
collection's deadline (the client's read timeout is per socket read: a dripping or endless body
would otherwise hold the collection and its memory). Each request takes a slot of the server's
window (`controlplane.endpoint_limits`, keyed host:port, as the S3 plugin's requests are): a 429
(API Priority and Fairness), a 503 or a connection reset halves it, and a Retry-After holds every
request to that server until the time it names — or, when that is past the collection's deadline,
`SlotUnavailable` fails the listing at once with a reason naming the throttling.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from controlplane import endpoint_limits
from controlplane.bounded_read import ResponseTooSlow, read_bounded

STATUS_RETRIES = 2
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
THROTTLE_STATUSES = frozenset({429, 503})
"""Answers that shrink the API server's window (429: API Priority and Fairness rejected the request)."""
RETRY_BACKOFF_S = 0.2


class BoundedPoolManager:
    """Stands in for the client's urllib3 pool manager (`ApiClient.rest_client.pool_manager`, the
    one place every request of the official client goes through): answers come back already read,
    within `max_bytes` and before `deadline`, so both the listing and the client's own error path
    (`ApiException` reads `.data`) are bounded. 429 and 5xx answers are retried here, twice,
    without reading their bodies."""

    def __init__(self, inner: Any, max_bytes: int, deadline: float) -> None:
        self._inner = inner
        self.max_bytes = max_bytes
        self.deadline = deadline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["preload_content"] = False
        limiter = endpoint_limits.limits()
        endpoint = urlsplit(url).netloc.rpartition("@")[2]
        for attempt in range(STATUS_RETRIES + 1):
            started = time.monotonic()
            if started >= self.deadline:
                raise ResponseTooSlow(0.0)
            # Waits for a slot of the API server's window and for its Retry-After, if any; raises
            # SlotUnavailable (naming the throttling) when that would pass the deadline.
            slot = limiter.acquire(endpoint, self.deadline)
            try:
                response = self._inner.request(method, url, *args, **kwargs)
            except BaseException as exc:
                if _connection_reset(exc):
                    limiter.release(slot, "connection reset")
                else:
                    limiter.release_neutral(slot)
                raise
            throttled = response.status in THROTTLE_STATUSES
            if response.status in RETRY_STATUSES and attempt < STATUS_RETRIES:
                response.close()  # its body is never read: a hostile one may be endless
                retry_after = endpoint_limits.parse_retry_after(response.headers.get("retry-after"))
                if throttled:
                    limiter.release(slot, f"HTTP {response.status}", retry_after)
                else:
                    limiter.release_neutral(slot)
                if retry_after is None:  # else the window holds the next request until then
                    time.sleep(min(RETRY_BACKOFF_S * 2**attempt, max(0.0, self.deadline - time.monotonic())))
                continue
            break
        try:
            answer = self._read(response, started)
        except BaseException:
            limiter.release_neutral(slot)
            raise
        if throttled:
            retry_after = endpoint_limits.parse_retry_after(response.headers.get("retry-after"))
            limiter.release(slot, f"HTTP {response.status}", retry_after)
        else:
            limiter.release(slot)
        return answer

    def _read(self, response: Any, started: float) -> Any:
        from urllib3 import HTTPResponse

        sock = getattr(getattr(response, "connection", None), "sock", None)
        ceiling = sock.gettimeout() if sock is not None else None

        def lower_timeout(left: float) -> None:
            if sock is not None:
                sock.settimeout(left if ceiling is None else min(ceiling, left))

        try:
            length = response.headers.get("content-length")
            declared = int(length) if length and "content-encoding" not in response.headers else None
        except ValueError:
            declared = None
        try:
            body = read_bounded(response.read1, self.max_bytes, self.deadline, declared, lower_timeout, started)
        except BaseException:
            response.close()
            if time.monotonic() >= self.deadline - 0.05:
                raise ResponseTooSlow(self.deadline - started) from None
            raise
        if sock is not None:
            sock.settimeout(ceiling)
        response.release_conn()
        return HTTPResponse(
            body=body, headers=response.headers, status=response.status, reason=response.reason, preload_content=False
        )


def _connection_reset(exc: BaseException) -> bool:
    """A connection the server reset or dropped (after urllib3's own retries): read as load."""
    from urllib3.exceptions import MaxRetryError, ProtocolError

    cause = exc.reason if isinstance(exc, MaxRetryError) else exc
    return isinstance(cause, ProtocolError | ConnectionResetError)


__all__ = ["RETRY_BACKOFF_S", "RETRY_STATUSES", "STATUS_RETRIES", "THROTTLE_STATUSES", "BoundedPoolManager"]
