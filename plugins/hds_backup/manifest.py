"""The backup manifest: a small JSON document stored beside each backup artefact
(`<artefact key>.manifest.json`), written when the backup is taken, that says what a correct
restore must give back.

    {
      "format": "hds-backup-manifest/1",
      "tool": "pg_dump",                      # what produced the artefact (pg_dump, tar, ...)
      "tool_version": "15.18",                # optional
      "created_at": "2026-05-04T01:00:00Z",   # the recovery point: when the data was read
      "source": {"kind": "postgresql", "name": "dossiers"},   # a label, never a DSN
      "artefact": {"name": "dossiers-20260504.dump.zst", "format": "pg_custom",
                   "compression": "zstd", "size": 123456, "sha256": "<64 hex>"},
      "digest_algorithm": "row-sha256-sum64/1",               # PostgreSQL artefacts
      "tables": [{"schema": "public", "table": "patients", "rows": 1200, "checksum": "<decimal>"}],
      "files": [{"path": "docs/a.pdf", "size": 5321, "sha256": "<64 hex>"}],   # file archives
      "links": [{"path": "docs/latest", "target": "a.pdf", "type": "symlink"}]
    }

`sha256` and `size` are those of the stored object (compressed, as uploaded). `tables` lists
every ordinary table of the dumped database with its row count and an order-independent
checksum (see `table_digest`) — without it, the set's `expect_tables` and `sanity_queries` are
all that proves the restored content; `files` every regular file of the archive. `hdsctl backup
manifest` writes one for an existing dump or archive.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

MANIFEST_FORMAT = "hds-backup-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
SHA256_HEX = r"^[0-9a-f]{64}$"

ArtefactFormat = Literal["pg_custom", "pg_plain", "tar"]
Compression = Literal["none", "gzip", "zstd"]
PG_FORMATS: frozenset[str] = frozenset({"pg_custom", "pg_plain"})


class ManifestError(ValueError):
    """A manifest that cannot be read or does not describe its artefact; one line, no secret."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(_Strict):
    kind: Literal["postgresql", "files"]
    name: str = Field(min_length=1, max_length=200, description="A label for the backed-up data, never a DSN")


class Artefact(_Strict):
    name: str = Field(min_length=1, max_length=1024, description="File name of the artefact")
    format: ArtefactFormat
    compression: Compression = "none"
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_HEX)


class TableDigest(_Strict):
    schema_name: str = Field(alias="schema", min_length=1)
    table: str = Field(min_length=1)
    rows: int = Field(ge=0)
    checksum: str = Field(pattern=r"^-?[0-9]+$")

    @property
    def qualified(self) -> str:
        return f"{self.schema_name}.{self.table}"


class FileDigest(_Strict):
    path: str = Field(min_length=1)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_HEX)


class LinkEntry(_Strict):
    path: str = Field(min_length=1)
    target: str = Field(min_length=1)
    type: Literal["symlink", "hardlink"]


class BackupManifest(_Strict):
    format: Literal["hds-backup-manifest/1"] = MANIFEST_FORMAT
    tool: str = Field(min_length=1, max_length=100)
    tool_version: str | None = Field(default=None, max_length=200)
    created_at: datetime
    source: Source
    artefact: Artefact
    digest_algorithm: str | None = None
    tables: tuple[TableDigest, ...] | None = None
    files: tuple[FileDigest, ...] | None = None
    links: tuple[LinkEntry, ...] = ()

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2026-05-04T01:00:00Z)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _content(self) -> BackupManifest:
        if self.artefact.format in PG_FORMATS:
            if self.files is not None:
                raise ValueError("a PostgreSQL artefact's manifest lists tables, not files")
            if self.tables is None:
                return self  # content then proved by the set's expect_tables and sanity_queries
            if self.digest_algorithm is None:
                raise ValueError("tables need their digest_algorithm")
            names = [t.qualified for t in self.tables]
            if len(set(names)) != len(names):
                raise ValueError("a table is listed twice")
        elif self.files is None:
            raise ValueError("a file archive's manifest lists its files")
        else:
            paths = [f.path for f in self.files] + [link.path for link in self.links]
            if len(set(paths)) != len(paths):
                raise ValueError("a path is listed twice")
        return self

    def dumps(self) -> str:
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["created_at"] = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if not self.links:
            data.pop("links", None)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def loads(cls, raw: bytes, where: str) -> BackupManifest:
        """Parse a manifest; errors name `where` and the field, in one line."""
        if len(raw) > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{where}: larger than {MAX_MANIFEST_BYTES} bytes")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ManifestError(f"{where}: not UTF-8 JSON ({exc})") from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(document)"
            more = len(exc.errors()) - 1
            suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise ManifestError(f"{where}: {field}: {first['msg']}{suffix}") from None


def manifest_key(artefact_key: str) -> str:
    return artefact_key + MANIFEST_SUFFIX


def is_manifest_key(key: str) -> bool:
    return key.endswith(MANIFEST_SUFFIX)


def compression_from_name(name: str) -> Compression | None:
    """The compression a file name announces (`.gz`, `.zst`), else None."""
    if re.search(r"\.(gz|tgz)$", name):
        return "gzip"
    if re.search(r"\.(zst|tzst)$", name):
        return "zstd"
    return None
