"""Trace sources that are local files (Kubernetes audit logs, PostgreSQL csvlog/jsonlog): find
them by glob, skip those last written before the window, read each line-bounded (`.gz` too).
Shared by the plugins so every file source treats hostile files the same way."""

from __future__ import annotations

import glob
import gzip
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from controlplane.traces.lines import TooLarge, bounded_lines
from controlplane.traces.record import ReadStats

MAX_FILES = 100_000


def log_files(patterns: tuple[str, ...], since: datetime | None) -> list[Path]:
    """Files matching the patterns (sorted, deduplicated), without those last modified before
    `since` (they hold only older lines), regular files only (no FIFO or device to hang on)."""
    found: set[str] = set()
    for pattern in patterns:
        for name in glob.iglob(os.path.expanduser(pattern)):
            found.add(name)
            if len(found) > MAX_FILES:
                raise RuntimeError(f"more than {MAX_FILES} files match {pattern!r}")
    out = []
    for name in sorted(found):
        path = Path(name)
        try:
            st = path.stat()
        except OSError:
            continue
        if not path.is_file():
            continue
        if since is not None and datetime.fromtimestamp(st.st_mtime, UTC) < since:
            continue
        out.append(path)
    return out


def file_lines(path: Path, max_line: int, max_total: int, stats: ReadStats) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line or None when oversized) of one file; an unreadable or too large file is
    recorded in `stats` and ends this file only."""
    try:
        with path.open("rb") as raw:
            fh: BinaryIO = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw  # type: ignore[assignment]
            for number, line in enumerate(bounded_lines(fh.read, max_line, max_total), 1):
                stats.lines += 1
                if line is None:
                    stats.oversized += 1
                yield number, line
    except (OSError, EOFError, TooLarge) as exc:
        stats.add_unreadable(f"{path}: {exc}")


def mtimes(patterns: tuple[str, ...]) -> list[datetime]:
    """When each matching file was last written: what the flow and coverage checks judge."""
    return [datetime.fromtimestamp(p.stat().st_mtime, UTC) for p in log_files(patterns, None)]
