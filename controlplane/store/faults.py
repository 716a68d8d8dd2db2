"""Store faults: what a database error means for the operator, in one line, with its own exit code.

Why a separate exit code: `hdsctl run` exits 1 when controls fail. A store that cannot be written
(disk full, read-only disk, I/O error) or is damaged (a corrupted page) says nothing about the
controls, and must not read as "controls failed" to a CronJob, a CI job or an alerting rule.

Exit codes of `hdsctl` (README, *Exit codes*):
- 2 (`InputError`): the `--store` given is not an evidence store (a foreign or non-SQLite file);
- 3 (`StoreFault`): the store cannot be read or written safely — disk full, read-only, I/O error,
  corrupted database (SQLite's integrity check fails). Nothing about the controls is implied.

Nothing here imports SQLAlchemy or sqlite3 at import time: the CLI's error path stays cheap.
"""

from __future__ import annotations

from controlplane.errors import InputError, _printable

EXIT_STORE_FAULT = 3

_current_store = "the evidence store"
"""Where the store this process opened last is (no password): the CLI names it in a fault."""


def note_store(location: str) -> None:
    global _current_store
    _current_store = location


class StoreFault(Exception):
    """The store cannot be read or written safely (exit code 3). Nothing about the controls."""

    exit_code = EXIT_STORE_FAULT

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(self.one_line())

    def one_line(self) -> str:
        return _printable(f"store {self.location}: {self.reason}")


_FAULTS = (
    (("database or disk is full", "disk full", "no space left", "could not extend file"), "the disk is full"),
    (("readonly database", "read-only", "read only"), "the store is read-only"),
    (("disk i/o error", "input/output error"), "I/O error"),
    (
        ("malformed", "corrupt", "database disk image"),
        "the store is corrupted: restore it from a backup",
    ),
    (("database is locked", "database table is locked"), "the store stayed locked by another process"),
    (("unable to open database file",), "cannot open the store file"),
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _no_space_left(where: str) -> bool:
    """Whether the filesystem of a SQLite store is full: SQLite reports a write that hit ENOSPC
    in its WAL as a plain "disk I/O error", which would send the operator looking for a bad disk."""
    import os
    from pathlib import Path

    try:
        stat = os.statvfs(Path(where).parent)
    except (OSError, ValueError):
        return False
    return stat.f_bavail * stat.f_frsize < 64 * 1024


def classify(exc: BaseException, location: str | None = None) -> InputError | StoreFault | None:
    """The operator-facing error for a database exception (SQLAlchemy's, or the driver's own,
    raised through a raw cursor), or None when it is not a store fault (a bug: let it show)."""
    module = type(exc).__module__
    if not module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        return None
    orig = getattr(exc, "orig", None) or exc
    detail = _first_line(orig)
    low = detail.lower()
    where = location or _current_store
    if "file is not a database" in low or "not a database" in low:
        return InputError.single("--store", "", f"{where} is not an SQLite evidence store ({detail})")
    if getattr(orig, "sqlstate", None) == "53100":  # PostgreSQL disk_full
        return StoreFault(where, f"the disk is full ({detail})")
    if "i/o error" in low and _no_space_left(where):
        return StoreFault(where, f"the disk is full ({detail}; no space left on its filesystem)")
    for needles, meaning in _FAULTS:
        if any(n in low for n in needles):
            return StoreFault(where, f"{meaning} ({detail})")
    if type(orig).__name__ in ("OperationalError", "DatabaseError", "InterfaceError") or module.startswith("psycopg"):
        from controlplane.secrets import redact

        return StoreFault(where, f"database error: {redact(detail)}")
    return None
