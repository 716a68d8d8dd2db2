"""Hostile logs: line length and total size bounded, without holding an oversized line."""

from __future__ import annotations

import io

import pytest

from controlplane.traces.lines import CHUNK, OVERSIZED, TooLarge, bounded_lines


def lines(data: bytes, max_line: int = 10, max_total: int | None = None) -> list[bytes | None]:
    return list(bounded_lines(io.BytesIO(data).read, max_line, max_total))


def test_lines_split_and_last_line_without_newline_kept():
    assert lines(b"a\nbb\n\nccc") == [b"a", b"bb", b"", b"ccc"]


def test_a_long_line_is_skipped_whole_and_reading_goes_on():
    assert lines(b"ok\n" + b"x" * 50 + b"\nafter\n") == [b"ok", OVERSIZED, b"after"]


def test_a_line_longer_than_a_chunk_is_never_held_whole():
    data = b"y" * (CHUNK * 3 + 7) + b"\nend"
    assert lines(data, max_line=100) == [OVERSIZED, b"end"]


def test_an_endless_line_at_the_end_is_oversized():
    assert lines(b"z" * 100, max_line=10) == [OVERSIZED]


def test_total_bound_stops_reading():
    with pytest.raises(TooLarge):
        lines(b"a\n" * (CHUNK), max_line=10, max_total=CHUNK // 2)
