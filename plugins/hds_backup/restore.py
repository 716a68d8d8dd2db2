"""The restore test of one backup set: download the newest artefact once (hashing it and
decompressing it on the way), verify it against its manifest, restore it into scratch space,
compare the restored content with the manifest, and time every step.

A file archive is downloaded and hashed in a thread of its own (`download`) while this thread
extracts and hashes the files: the two SHA-256 passes run on two cores, and the files are written
around the page cache by a third thread waiting on the disk (`direct_write`).

The outcome says what a recovery would have given: `verified`, `failed` (with the problems), or
`timeout`/`error` when the test itself could not finish. Scratch space is always cleaned up, and
leftovers of killed runs are swept before a new test starts (see `scratch`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controlplane.secrets import SecretResolutionError, redact
from hds_backup.download import BackgroundDownload
from hds_backup.manifest import BackupManifest, TableDigest
from hds_backup.pg_tools import ConnectionSettingsError, Conninfo
from hds_backup.restore_pg import restore_and_digest, write_plain_sql
from hds_backup.restore_tar import UnsafeMember, compare, extract_archive
from hds_backup.scratch import scratch_dir
from hds_backup.snapshot import RestoreOutcome, Timings
from hds_backup.streams import (
    ChunkStream,
    DeadlineExceeded,
    HashingReader,
    Readable,
    SizeLimitExceeded,
    copy_limited,
    decompressed_stream,
    decompressing_reader,
    decompression_errors,
)
from hds_backup.table_digest import ALGORITHMS, DIGEST_ALGORITHM
from hds_backup.target import BackupSet

MAX_LISTED_TABLES = 50
ScratchHook = Callable[[str, str], None]
"""Called with ("dir" | "database", name) once a scratch resource exists (progress, tests)."""


@dataclass
class _Progress:
    started: float = field(default_factory=time.monotonic)
    download_s: float = 0.0
    restore_s: float = 0.0
    verify_s: float = 0.0
    completed: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def timings(self) -> Timings:
        return Timings(self.download_s, self.restore_s, self.verify_s)


def restore_test(
    open_body: Callable[[], Readable],
    backup_set: BackupSet,
    manifest: BackupManifest,
    deadline: float,
    label: str = "",
    on_scratch: ScratchHook | None = None,
) -> RestoreOutcome:
    """Run the whole test; never raises for a bad backup or an unreachable scratch server.
    `label` names the test for the caller only: nothing tenant-identifying is written on the
    scratch server, where every role can read database names and comments."""
    progress = _Progress()
    spec = backup_set.restore
    base = Path(spec.scratch_dir or tempfile.gettempdir())
    try:
        with scratch_dir(base) as scratch:
            progress.details["scratch_dir"] = scratch.path.name
            if scratch.swept:
                progress.details["swept_dirs"] = scratch.swept
            if on_scratch is not None:
                on_scratch("dir", str(scratch.path))
            if backup_set.format == "tar":
                problems = _tar(open_body, backup_set, manifest, scratch.path, deadline, progress)
            else:
                problems = _postgres(open_body, backup_set, manifest, scratch.path, deadline, progress, on_scratch)
    except DeadlineExceeded as exc:
        progress.details["elapsed_s"] = round(time.monotonic() - progress.started, 3)
        return RestoreOutcome("timeout", str(exc), progress.timings(), progress.completed, (), progress.details)
    except (ConnectionError, ConnectionSettingsError, SecretResolutionError, PermissionError, FileNotFoundError) as exc:
        return RestoreOutcome("error", redact(str(exc)), progress.timings(), False, (), progress.details)
    except Exception as exc:  # S3 read failures, disk full...: the test could not run
        return RestoreOutcome(
            "error", redact(f"{type(exc).__name__}: {exc}")[:500], progress.timings(), False, (), progress.details
        )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return RestoreOutcome(
            "failed", problems[0] + more, progress.timings(), progress.completed, tuple(problems[:50]), progress.details
        )
    return RestoreOutcome("verified", _summary(backup_set, progress), progress.timings(), True, (), progress.details)


def _summary(backup_set: BackupSet, progress: _Progress) -> str:
    d = progress.details
    if backup_set.format == "tar":
        return f"restored {d.get('files_verified', 0)} files into a scratch directory, identical to the manifest"
    return (
        f"restored {d.get('tables_verified', 0)} tables ({d.get('rows_verified', 0)} rows) into a scratch "
        "database, identical to the manifest"
    )


def _artefact_problems(raw: HashingReader | BackgroundDownload, manifest: BackupManifest) -> list[str]:
    problems = []
    if raw.sha256 != manifest.artefact.sha256:
        problems.append(
            f"checksum mismatch: the stored artefact's sha256 is {raw.sha256}, "
            f"the manifest says {manifest.artefact.sha256}"
        )
    if raw.size != manifest.artefact.size:
        problems.append(f"size mismatch: {raw.size} bytes stored, the manifest says {manifest.artefact.size}")
    return problems


def _postgres(
    open_body: Callable[[], Readable],
    backup_set: BackupSet,
    manifest: BackupManifest,
    scratch: Path,
    deadline: float,
    progress: _Progress,
    on_scratch: ScratchHook | None,
) -> list[str]:
    spec = backup_set.restore
    assert spec.scratch_dsn is not None
    conninfo = Conninfo.from_ref(spec.scratch_dsn)
    raw = HashingReader(open_body(), deadline)
    data, compression = decompressing_reader(raw, backup_set.compression)
    artefact = scratch / "artefact"
    damaged = ""
    with artefact.open("wb") as out:
        try:
            if backup_set.format == "pg_plain":
                write_plain_sql(data, out, spec.max_bytes)
            else:
                copy_limited(data, out, spec.max_bytes)
        except decompression_errors() as exc:
            damaged = f"the {compression} stream is damaged: {exc}"
        except SizeLimitExceeded as exc:
            return [str(exc)]
    raw.drain()
    progress.download_s = time.monotonic() - progress.started
    progress.details.update(sha256=raw.sha256, size=raw.size, compression=compression)
    problems = _artefact_problems(raw, manifest) + ([damaged] if damaged else [])
    if problems:
        return problems
    result = restore_and_digest(
        artefact,
        backup_set.format,
        conninfo,
        deadline,
        pg_bindir=spec.pg_bindir,
        allow_superuser=spec.allow_superuser,
        sanity_queries=spec.sanity_queries,
        comment="hds-controlplane restore test",  # readable by every role: no tenant name
        on_scratch=(lambda name: on_scratch("database", name)) if on_scratch else None,
        algorithm=manifest.digest_algorithm if manifest.digest_algorithm in ALGORITHMS else DIGEST_ALGORITHM,
    )
    progress.restore_s, progress.verify_s = result.restore_s, result.verify_s
    progress.details.update(tool=result.tool, scratch_database=result.scratch)
    if result.swept:
        progress.details["swept_databases"] = list(result.swept)
    if result.cleanup_problem:
        progress.details["cleanup_problem"] = result.cleanup_problem
    if not result.ok:
        return [result.message]
    progress.completed = True
    progress.details["sanity_queries"] = list(result.sanity)
    return _compare_tables(manifest, result.digests, backup_set, progress) + [
        f"sanity query {q['sql']!r} returned {q.get('got', q.get('error'))!r}, expected {q['expect']!r}"
        for q in result.sanity
        if not q["ok"]
    ]


def _compare_tables(
    manifest: BackupManifest, digests: tuple[TableDigest, ...], backup_set: BackupSet, progress: _Progress
) -> list[str]:
    got = {d.qualified: d for d in digests}
    want = {t.qualified: t for t in manifest.tables or ()}
    progress.details.update(
        tables_verified=len(got),
        rows_verified=sum(d.rows for d in digests),
        tables={name: d.rows for name, d in list(sorted(got.items()))[:MAX_LISTED_TABLES]},
        digest_algorithm=manifest.digest_algorithm if manifest.digest_algorithm in ALGORITHMS else DIGEST_ALGORITHM,
    )
    problems: list[str] = []
    rows = sum(d.rows for d in digests)
    if rows == 0 and not backup_set.allow_empty:
        problems.append(
            f"the backup is empty: {len(digests)} tables and no row restored, so nothing proves it holds the "
            "data (a failed dump also gives this); if the set may legitimately be empty, declare allow_empty: true"
        )
    declared = backup_set.restore
    if manifest.tables is None:
        progress.details["verified_by"] = "expect_tables and sanity_queries (the manifest lists no tables)"
        if not declared.expect_tables and not declared.sanity_queries:
            problems.append(
                "nothing proves the restored content: the manifest lists no tables and the set declares no "
                "expect_tables or sanity_queries"
            )
        return problems + [f"expected table {n} is missing" for n in declared.expect_tables if n not in got]
    if manifest.digest_algorithm not in ALGORITHMS:
        known = " or ".join(repr(a) for a in ALGORITHMS)
        problems.append(f"the manifest's digest_algorithm {manifest.digest_algorithm!r} is not {known}")
    for name, expected in want.items():
        restored = got.get(name)
        if restored is None:
            problems.append(f"table {name} was not restored")
        elif restored.rows != expected.rows:
            problems.append(f"table {name}: {restored.rows} rows restored, the manifest says {expected.rows}")
        elif restored.checksum != expected.checksum:
            problems.append(f"table {name}: content checksum differs from the manifest ({restored.rows} rows)")
    problems.extend(f"table {name} is restored but not in the manifest" for name in got if name not in want)
    problems.extend(f"expected table {name} is missing" for name in backup_set.restore.expect_tables if name not in got)
    return problems


def _tar(
    open_body: Callable[[], Readable],
    backup_set: BackupSet,
    manifest: BackupManifest,
    scratch: Path,
    deadline: float,
    progress: _Progress,
) -> list[str]:
    import tarfile

    root = scratch / "files"
    root.mkdir(mode=0o700)
    with BackgroundDownload(open_body(), deadline) as raw:
        data, compression = decompressed_stream(ChunkStream(raw.next_chunk), backup_set.compression)
        try:
            content = extract_archive(data, root, backup_set.restore.max_bytes, deadline)
        except UnsafeMember as exc:
            return [f"archive member refused: {exc}"]
        except SizeLimitExceeded as exc:
            return [str(exc)]
        except (tarfile.TarError, *decompression_errors()) as exc:
            raw.drain()
            return [*_artefact_problems(raw, manifest), f"the archive is unreadable: {exc}"]
        raw.drain()
    progress.download_s = time.monotonic() - progress.started
    progress.completed = True
    progress.details.update(sha256=raw.sha256, size=raw.size, compression=compression)
    started = time.monotonic()
    problems = _artefact_problems(raw, manifest) + compare(manifest.files or (), manifest.links, content)
    if content.bytes_written == 0 and not backup_set.allow_empty:
        problems.insert(
            0,
            f"the backup is empty: {len(content.files)} files and no byte of content restored, so nothing proves "
            "it holds the data (an archive of an unmounted mount point also gives this); if the set may "
            "legitimately be empty, declare allow_empty: true",
        )
    progress.verify_s = time.monotonic() - started
    progress.details.update(files_verified=len(content.files), bytes_restored=content.bytes_written)
    if content.links:
        progress.details["links_verified"] = len(content.links)
    return problems
