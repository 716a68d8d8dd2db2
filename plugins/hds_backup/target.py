"""hds.yaml entry for a tenant's backups (`tenants[].targets.backup[]`): where they are stored
(one bucket of an S3-compatible store, with the same credential forms as the `s3` targets), where
the data they protect lives, the backup sets in that bucket, and how each set is restore-tested.

    backup:
      - name: sauvegardes
        storage:
          provider: aws
          region: eu-central-1
          bucket: clinique-sud-sauvegardes
          credentials: {access_key_id: {env: KEY}, secret_access_key: {file: /run/secrets/s3}}
        protected_site: {region: eu-west-3}        # where the data lives: the copy must be elsewhere
        immutability_probe: true                    # try to delete a probe version (must be refused)
        sets:
          - name: dossiers
            prefix: pg/dossiers/
            format: pg_custom                       # pg_dump -Fc; pg_plain: SQL; tar: file archive
            restore:
              scratch_dsn: {env: HDS_SCRATCH_PG}    # a server where the checker may CREATE DATABASE
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef
from hds_backup.manifest import PG_FORMATS, ArtefactFormat
from hds_s3.api import BUCKET_NAME, REGION, Provider, S3Credentials, S3Target, check_endpoint_url

DEFAULT_MAX_BYTES = 64 * 1024**3
QUALIFIED_TABLE = r"^[^.\s]+\.[^.\s]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSpec(_Strict):
    """The bucket holding the backups, reached like an `s3` target."""

    provider: Provider = "aws"
    endpoint_url: str | None = Field(default=None, description="S3 endpoint (default: AWS's own for the region)")
    region: str = Field(pattern=REGION, description="Region to sign with")
    addressing_style: Literal["path", "virtual", "auto"] = "auto"
    ca_bundle: str | None = None
    credentials: S3Credentials | None = Field(default=None, description="Omit to use the SDK's default chain")
    bucket: str = Field(pattern=BUCKET_NAME)
    allowed_regions: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="Regions the copy may live in (default: the provider's EEA regions)"
    )
    max_attempts: int = Field(default=3, ge=1, le=10)

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint_url(value)

    @model_validator(mode="after")
    def _coherent(self) -> StorageSpec:
        if self.provider != "aws" and self.endpoint_url is None:
            raise ValueError(f"provider {self.provider!r} needs an endpoint_url")
        return self

    def s3_target(self, name: str) -> S3Target:
        """The same store as an `s3` target, to reuse that plugin's client and provider profiles."""
        return S3Target.model_validate(
            {
                "name": name,
                "provider": self.provider,
                "endpoint_url": self.endpoint_url,
                "region": self.region,
                "addressing_style": self.addressing_style,
                "ca_bundle": self.ca_bundle,
                "credentials": self.credentials,
                "buckets": [{"name": self.bucket, "roles": ["backup"]}],
                "allowed_regions": self.allowed_regions,
                "max_attempts": self.max_attempts,
            }
        )


class ProtectedSite(_Strict):
    """Where the protected data lives. The backup copy must differ by endpoint or region."""

    endpoint_url: str | None = Field(default=None, description="Object store or service endpoint of the data")
    region: str | None = Field(default=None, pattern=REGION, description="Region (or site name) of the data")

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint_url(value)

    @model_validator(mode="after")
    def _something(self) -> ProtectedSite:
        if self.endpoint_url is None and self.region is None:
            raise ValueError("give the region and/or the endpoint_url where the protected data lives")
        return self


class SanityQuery(_Strict):
    sql: str = Field(min_length=1, max_length=4000, description="Read-only query run on the restored copy")
    expect: str = Field(description="Expected first column of the first row, as text")


class RestoreSpec(_Strict):
    enabled: bool = Field(default=True, description="A backup never restored is not a backup: keep it on")
    scratch_dsn: SecretRef | None = Field(
        default=None, description="PostgreSQL server where a scratch database may be created (never the source)"
    )
    scratch_dir: str | None = Field(
        default=None, description="Absolute directory for temporary files (default: TMPDIR)"
    )
    expect_tables: tuple[str, ...] = Field(default=(), description="schema.table names that must be restored")
    sanity_queries: tuple[SanityQuery, ...] = ()
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1, description="Refuse to restore more than this (bytes)")
    pg_bindir: str | None = Field(default=None, description="Directory of pg_restore/psql (default: newest found)")
    allow_superuser: bool = Field(default=False, description="Accept a superuser scratch role (not recommended)")

    @field_validator("scratch_dir", "pg_bindir")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("must be an absolute path")
        return value

    @field_validator("expect_tables")
    @classmethod
    def _tables(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(QUALIFIED_TABLE, name):
                raise ValueError(f"{name!r} is not schema.table")
        return value


class BackupSet(_Strict):
    """One series of backups of the same data under a key prefix: the newest one is judged."""

    name: str = Field(pattern=TARGET_NAME)
    prefix: str = Field(max_length=900, description="Key prefix of this set's artefacts and manifests")
    format: ArtefactFormat
    compression: Literal["auto", "none", "gzip", "zstd"] = "auto"
    allow_empty: bool = Field(
        default=False,
        description="The data may legitimately be empty: a backup restoring no row (or no file content) may pass",
    )
    restore: RestoreSpec = Field(default_factory=RestoreSpec)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value.startswith("/") or ".." in PurePosixPath(value).parts:
            raise ValueError("must be a relative key prefix without '..'")
        return value

    @model_validator(mode="after")
    def _restorable(self) -> BackupSet:
        if self.format in PG_FORMATS and self.restore.enabled and self.restore.scratch_dsn is None:
            raise ValueError("restore.scratch_dsn is required to restore-test a PostgreSQL backup")
        if self.format == "tar" and (self.restore.expect_tables or self.restore.sanity_queries):
            raise ValueError("expect_tables and sanity_queries apply to PostgreSQL backups only")
        return self


class BackupTarget(_Strict):
    name: str = Field(pattern=TARGET_NAME, description="Name of this backup location in reports")
    storage: StorageSpec
    protected_site: ProtectedSite
    sets: tuple[BackupSet, ...] = Field(min_length=1)
    immutability_probe: bool = Field(
        default=False, description="Write a tiny probe object and check that deleting its version is refused"
    )
    probe_prefix: str = Field(default="hds-immutability-probe/", max_length=200)

    @model_validator(mode="after")
    def _unique(self) -> BackupTarget:
        names = [s.name for s in self.sets]
        if len(set(names)) != len(names):
            raise ValueError("a backup set name is listed twice")
        return self
