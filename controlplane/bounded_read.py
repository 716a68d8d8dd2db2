"""Read a network answer with a bound on its size and on its total time.

Why: client libraries bound each socket read (a read timeout), not a whole answer. An endpoint
that sends one byte per second never trips a 15 s read timeout, and one that sends a gigabyte
is held in memory whole (several times over, once parsed). Every client of the control plane
(S3, Kubernetes, webhook) reads bodies through `read_bounded`: at most `limit` bytes, finished
by `deadline`, one socket read at a time so the deadline is checked between reads.

Size limits are operator settings (`runtime.max_response_mb`), since a legitimate answer can
be large (a cluster's list page, an account's credential report).
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_MAX_RESPONSE_MB = 64
"""Default of `runtime.max_response_mb`: far above any configuration document or list page the
plugins read (a 500-object Kubernetes page is a few MB), far below what hurts a 2 GB process."""
CHUNK = 64 * 1024


class ResponseTooLarge(Exception):
    """The answer is larger than allowed; the message says by how much it may be."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the answer is larger than {describe_size(limit)} (runtime.max_response_mb)")


class ResponseTooSlow(Exception):
    """The answer did not arrive whole before the deadline (it may still have been dripping)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the answer was not complete within {seconds:.3g}s")


def describe_size(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"


def read_bounded(
    read1: Callable[[int], bytes],
    limit: int,
    deadline: float,
    declared: int | None = None,
    set_timeout: Callable[[float], None] | None = None,
    started: float | None = None,
) -> bytes:
    """The whole body, read with `read1(n)` (at most one socket read, up to `n` bytes; b"" at the
    end). `declared` is the announced length (Content-Length), refused at once when too large.
    `set_timeout`, when given, lowers the socket's timeout to what is left before `deadline`, so a
    read blocked on a silent endpoint also ends in time. Raises ResponseTooLarge or ResponseTooSlow;
    the caller closes the connection then (its remaining bytes are never read)."""
    started = time.monotonic() if started is None else started
    if declared is not None and declared > limit:
        raise ResponseTooLarge(limit)
    body = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ResponseTooSlow(deadline - started)
        if set_timeout is not None:
            set_timeout(left)
        chunk = read1(min(CHUNK, limit + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise ResponseTooLarge(limit)


def max_response_bytes(max_response_mb: float) -> int:
    return int(max_response_mb * 1024 * 1024)


__all__ = [
    "DEFAULT_MAX_RESPONSE_MB",
    "ResponseTooLarge",
    "ResponseTooSlow",
    "describe_size",
    "max_response_bytes",
    "read_bounded",
]
