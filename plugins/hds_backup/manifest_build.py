"""Write the manifest of an existing backup artefact (behind `hdsctl backup manifest` and the demo),
so operators adopt restore tests with their current backup jobs.

- file archive: every member hashed while the archive streams (nothing extracted; unsafe members
  refused exactly as a restore would);
- PostgreSQL dump: per-table row counts and checksums, either by restoring the dump into a
  scratch database (what the restore test will compare against: exact) or by reading the live
  source (only exact if nothing changed since the dump: run it right after pg_dump, or on a
  quiesced database).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hds_backup.manifest import Artefact, BackupManifest, Compression, Source, TableDigest
from hds_backup.pg_tools import Conninfo, connect, find_client_bindir
from hds_backup.restore_pg import restore_and_digest, write_plain_sql
from hds_backup.restore_tar import extract_archive
from hds_backup.scratch import scratch_dir
from hds_backup.streams import CHUNK, HashingReader, copy_limited, decompressing_reader
from hds_backup.table_digest import DIGEST_ALGORITHM, database_digests
from hds_backup.target import DEFAULT_MAX_BYTES

_PLAIN_VERSION = re.compile(r"^-- Dumped by pg_dump version (\S+)", re.MULTILINE)
_CUSTOM_VERSION = re.compile(r"Dumped by pg_dump version: (\S+)")


class ManifestBuildError(ValueError):
    """The artefact cannot be described (unsafe archive, failed restore...); one line."""


def _tar_manifest(artefact: Path, compression: str) -> tuple[Artefact, list, list]:
    with artefact.open("rb") as f:
        raw = HashingReader(f)
        data, found = decompressing_reader(raw, compression)
        content = extract_archive(data, None, DEFAULT_MAX_BYTES)
        raw.drain()
    files = sorted(content.files.values(), key=lambda e: e.path)
    links = sorted(content.links.values(), key=lambda e: e.path)
    return Artefact(name=artefact.name, format="tar", compression=found, size=raw.size, sha256=raw.sha256), files, links


def _dump_version(path: Path, fmt: str, pg_bindir: str | None) -> str | None:
    if fmt == "pg_plain":
        with path.open("rb") as f:
            found = _PLAIN_VERSION.search(f.read(65536).decode("utf-8", "replace"))
        return found.group(1) if found else None
    try:
        bindir = find_client_bindir(pg_bindir, "pg_restore")
        listing = subprocess.run(
            [str(bindir / "pg_restore"), "-l", str(path)], capture_output=True, text=True, timeout=120, check=False
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    found = _CUSTOM_VERSION.search(listing.stdout)
    return found.group(1) if found else None


def _pg_from_source(
    artefact: Path, fmt: str, compression: str, source: Conninfo
) -> tuple[Artefact, list[TableDigest], str | None]:
    """Hash the dump in one pass (no copy on disk) and read the digests from the live source."""
    with artefact.open("rb") as f:
        raw = HashingReader(f)
        data, found = decompressing_reader(raw, compression)
        head = data.read(65536)
        while data.read(CHUNK):
            pass
        raw.drain()
    described = Artefact(name=artefact.name, format=fmt, compression=found, size=raw.size, sha256=raw.sha256)  # type: ignore[arg-type]
    version = _PLAIN_VERSION.search(head.decode("utf-8", "replace")) if fmt == "pg_plain" else None
    with connect(source, timeout_s=30) as conn:
        return described, database_digests(conn), version.group(1) if version else None


def _pg_via_scratch(
    artefact: Path,
    fmt: str,
    compression: str,
    scratch: Conninfo,
    pg_bindir: str | None,
    allow_superuser: bool,
    timeout_s: float,
) -> tuple[Artefact, list[TableDigest], str | None]:
    """Restore the dump into a scratch database and read the digests there: exactly what a
    restore test will compare against."""
    with scratch_dir(Path(tempfile.gettempdir())) as work:
        plain = work.path / "artefact"
        with artefact.open("rb") as f, plain.open("wb") as out:
            raw = HashingReader(f)
            data, found = decompressing_reader(raw, compression)
            if fmt == "pg_plain":
                write_plain_sql(data, out, DEFAULT_MAX_BYTES)
            else:
                copy_limited(data, out, DEFAULT_MAX_BYTES)
            raw.drain()
        described = Artefact(name=artefact.name, format=fmt, compression=found, size=raw.size, sha256=raw.sha256)  # type: ignore[arg-type]
        version = _dump_version(plain, fmt, pg_bindir)
        result = restore_and_digest(
            plain,
            fmt,
            scratch,
            time.monotonic() + timeout_s,
            pg_bindir=pg_bindir,
            allow_superuser=allow_superuser,
            comment="hds-controlplane backup manifest",
        )
        if not result.ok:
            raise ManifestBuildError(f"the dump does not restore: {result.message}")
        return described, list(result.digests), version


def build_manifest(
    artefact: Path,
    fmt: str,
    *,
    compression: Compression | str = "auto",
    source_name: str | None = None,
    created_at: datetime | None = None,
    source: Conninfo | None = None,
    scratch: Conninfo | None = None,
    pg_bindir: str | None = None,
    allow_superuser: bool = False,
    timeout_s: float = 3600,
) -> BackupManifest:
    """The manifest of `artefact`. `created_at` defaults to the file's modification time."""
    when = created_at or datetime.fromtimestamp(artefact.stat().st_mtime, UTC)
    name = source_name or artefact.name.split(".")[0]
    if fmt == "tar":
        described, files, links = _tar_manifest(artefact, compression)
        return BackupManifest(
            tool="tar",
            created_at=when,
            source=Source(kind="files", name=name),
            artefact=described,
            files=tuple(files),
            links=tuple(links),
        )
    if (source is None) == (scratch is None):
        raise ManifestBuildError("a PostgreSQL dump needs exactly one of a scratch server or a live source")
    if source is not None:
        described, digests, version = _pg_from_source(artefact, fmt, compression, source)
    else:
        assert scratch is not None
        described, digests, version = _pg_via_scratch(
            artefact, fmt, compression, scratch, pg_bindir, allow_superuser, timeout_s
        )
    return BackupManifest(
        tool="pg_dump",
        tool_version=version,
        created_at=when,
        source=Source(kind="postgresql", name=name),
        artefact=described,
        digest_algorithm=DIGEST_ALGORITHM,
        tables=tuple(digests),
    )
