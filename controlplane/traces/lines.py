"""Lines from a hostile log: bounded length, bounded total, never the whole file in memory.

A log object or file is read in chunks; a line longer than `max_line` is skipped (and counted)
without ever being held whole, so a 10 GB line without a newline costs one chunk of memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

CHUNK = 256 * 1024
OVERSIZED = None
"""Yielded in place of a line longer than the bound: the caller counts it."""


class TooLarge(Exception):
    """The source went past its total byte bound: the rest is not read."""


def bounded_lines(read: Callable[[int], bytes], max_line: int, max_total: int | None = None) -> Iterator[bytes | None]:
    """Yield each line (without its newline) of the stream `read(n)` gives, or `OVERSIZED` for a
    line longer than `max_line` bytes. Raises `TooLarge` past `max_total` bytes read."""
    pending = b""
    skipping = False
    total = 0
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if max_total is not None and total > max_total:
            raise TooLarge(f"more than {max_total} bytes")
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if skipping:
                skipping = False
                yield OVERSIZED
            else:
                line = pending + chunk[start:end] if pending else chunk[start:end]
                pending = b""
                yield line if len(line) <= max_line else OVERSIZED
            start = end + 1
        if not skipping:
            pending += chunk[start:]
            if len(pending) > max_line:
                pending, skipping = b"", True
    if skipping:
        yield OVERSIZED
    elif pending:
        yield pending if len(pending) <= max_line else OVERSIZED
