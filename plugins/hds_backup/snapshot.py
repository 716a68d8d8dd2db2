"""What one collection of a backup target observed: the bucket's protection, each set's newest
backup with its manifest, the immutability probe, and each restore test's outcome with its
timings. Plain data, JSON-ready for evidence; no credential or DSN ever enters a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hds_backup.manifest import BackupManifest
from hds_s3.api import Aspect


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime
    version_id: str | None = None
    sse: str | None = None
    """ServerSideEncryption answered by HeadObject (AES256, aws:kms...); None: not encrypted."""
    sse_kms_key: str | None = None
    lock_mode: str | None = None
    lock_until: datetime | None = None
    head_error: str = ""
    """Why HeadObject failed, if it did (then the fields above are unknown)."""

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "size": self.size, "last_modified": self.last_modified.isoformat()}
        if self.version_id:
            out["version_id"] = self.version_id
        return out


@dataclass(frozen=True, slots=True)
class Timings:
    download_s: float = 0.0
    """Read, hash and decompress the artefact (for archives: also write the files)."""
    restore_s: float = 0.0
    """pg_restore / psql into the scratch database (0 for archives: restored while read)."""
    verify_s: float = 0.0
    """Compare tables or files with the manifest (not part of the recovery time)."""

    @property
    def recovery_s(self) -> float:
        """Time from "start reading the backup" to "data back in place": compared with the RTO."""
        return self.download_s + self.restore_s

    def describe(self) -> dict[str, float]:
        return {
            "download_s": round(self.download_s, 3),
            "restore_s": round(self.restore_s, 3),
            "verify_s": round(self.verify_s, 3),
            "recovery_s": round(self.recovery_s, 3),
        }


RestoreStatus = Literal["verified", "failed", "error", "disabled", "no_backup", "timeout"]


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    """`verified`: restored and identical to the manifest. `failed`: the backup is damaged or
    differs. `timeout`: the budget ran out. `error`: the check could not run (scratch server
    unreachable, tool missing): nothing is known about the backup."""

    status: RestoreStatus
    message: str
    timings: Timings = field(default_factory=Timings)
    completed: bool = False
    """The data was restored (download and restore finished), whatever the verification said."""
    problems: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    """What was verified: sha256, tables and rows, files, sanity queries, tool, scratch name."""


@dataclass(frozen=True, slots=True)
class SetSnapshot:
    name: str
    prefix: str
    format: str
    listing: Aspect
    """The set's objects (value: number of artefacts) or why they could not be listed."""
    newest: StoredObject | None = None
    manifest_object: StoredObject | None = None
    manifest: BackupManifest | None = None
    manifest_problem: str = ""
    restore: RestoreOutcome | None = None
    stored: tuple[StoredObject, ...] = ()
    """Every artefact and manifest under the prefix with its headers (encryption, retention),
    newest first: BKP-03 and BKP-04 judge each backup, not only the newest."""
    not_inspected: tuple[str, ...] = ()
    """Keys whose headers were not read because the share of the budget for it ran out."""

    @property
    def recovery_point(self) -> tuple[datetime, str] | None:
        """When the newest backup's data was read, and where that date comes from."""
        if self.manifest is not None:
            return self.manifest.created_at, "manifest created_at"
        if self.newest is not None:
            return self.newest.last_modified, "object LastModified (no usable manifest)"
        return None


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    refused: bool | None
    """True: deleting the probe version was refused; False: it was deleted; None: not known."""
    detail: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class BackupSnapshot:
    target: str
    provider: str
    bucket: str
    endpoint: str
    """Host of the storage endpoint (no path, no credential), or AWS (region)."""
    collected_at: datetime
    location: Aspect
    versioning: Aspect
    object_lock: Aspect
    allowed_regions: tuple[str, ...]
    allowed_regions_source: str
    protected_site: Mapping[str, str]
    protected_endpoint: str
    sets: tuple[SetSnapshot, ...]
    probe: ProbeOutcome | None = None
