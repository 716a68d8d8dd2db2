"""Helpers for the backup plugin tests: dumps of a real database, archives, buckets on the local S3
server, targets pointing at them, and collection/check contexts."""

from __future__ import annotations

import gzip
import io
import os
import secrets
import subprocess
import tarfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zstandard

from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.results import Finding, Status
from hds_backup.collect import collect_backup
from hds_backup.demo.local_postgres import LocalPostgres
from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest
from hds_backup.pg_tools import Conninfo
from hds_backup.snapshot import BackupSnapshot
from hds_backup.target import BackupTarget
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import BucketPlan, provision_buckets

CONTRACT = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365, "log_retention_max_days": None}
SOURCE_SQL = r"""
CREATE TYPE sexe AS ENUM ('F', 'M', 'X');
CREATE TABLE patients (
  id integer PRIMARY KEY, nom text NOT NULL, sexe sexe, naissance date, poids float8,
  cree timestamptz, notes text, photo bytea, donnees jsonb, allergies text[]
);
INSERT INTO patients
SELECT g, 'patient ' || g, (ARRAY['F','M','X'])[1 + g % 3]::sexe, date '1950-01-01' + g, g / 3.0,
       timestamptz '2025-01-01 00:00+02' + g * interval '1 hour',
       CASE WHEN g % 5 = 0 THEN NULL ELSE E'ligne\tavec\\tabulation\net retour ' || g END,
       decode(md5(g::text), 'hex'), jsonb_build_object('g', g, 'pair', g % 2 = 0), ARRAY['pollen', 'noix ' || g]
FROM generate_series(1, 3000) g;
CREATE SCHEMA soins;
CREATE TABLE soins.sejours (id serial PRIMARY KEY, patient integer REFERENCES patients, motif text);
INSERT INTO soins.sejours (patient, motif) SELECT 1 + g % 3000, 'motif ' || g % 41 FROM generate_series(1, 4000) g;
CREATE TABLE vide (id integer);
"""


def tenant(contract: Mapping[str, Any] | None = None) -> TenantView:
    return TenantView("clinique-test", "Clinique de test", (4, 5, 6), {**CONTRACT, **(contract or {})})


def collect(target: BackupTarget, timeout_s: float = 60, contract: Mapping[str, Any] | None = None) -> BackupSnapshot:
    return collect_backup(target, CollectContext(tenant(contract), target.name, timeout_s))


def check_ctx(
    target: Any, params: Mapping[str, Any] | None = None, contract: Mapping[str, Any] | None = None
) -> CheckContext:
    return CheckContext(tenant(contract), target, target.name, "BKP-XX", dict(params or {}))


def statuses(findings: Iterable[Finding]) -> list[Status]:
    return [f.status for f in findings]


def only(findings: Iterable[Finding]) -> Finding:
    [finding] = list(findings)
    return finding


def pg_dump(pg: LocalPostgres, database: str, dest: Path, fmt: str, compression: str = "none") -> Path:
    """pg_dump the database (custom or plain), optionally compressed after the fact."""
    raw = dest.with_suffix(".raw")
    # Plain SQL replays ALTER ... OWNER TO: dump it without owners, as the restore role is no superuser.
    flags = ["-Fc"] if fmt == "pg_custom" else ["-Fp", "--no-owner", "--no-privileges"]
    subprocess.run([pg.tool("pg_dump"), *flags, "-d", pg.dsn(database), "-f", str(raw)], env=pg.env(), check=True)
    data = raw.read_bytes()
    raw.unlink()
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "zstd":
        data = zstandard.ZstdCompressor().compress(data)
    dest.write_bytes(data)
    return dest


def tar_bytes(members: Iterable[tarfile.TarInfo | tuple[str, bytes]], compression: str = "none") -> bytes:
    """A tar archive of (name, content) pairs and/or ready-made TarInfo headers (links, devices)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, content = member
                info = tarfile.TarInfo(name)
                info.size = len(content)
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(content))
    data = buf.getvalue()
    if compression == "gzip":
        return gzip.compress(data)
    if compression == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def source_manifest(pg: LocalPostgres, database: str, artefact: Path, fmt: str, **kwargs: Any) -> BackupManifest:
    return build_manifest(artefact, fmt, source=Conninfo.parse(pg.dsn(database), "test source"), **kwargs)


def edit_manifest(manifest: BackupManifest, **changes: Any) -> BackupManifest:
    data = manifest.model_dump(by_alias=True)
    data.update(changes)
    return BackupManifest.model_validate(data)


def scratch_databases(pg: LocalPostgres) -> list[str]:
    out = pg.psql(r"SELECT datname FROM pg_database WHERE datname LIKE 'hds\_restore\_%' ORDER BY 1")
    return [line for line in out.splitlines() if line]


def scratch_dirs(base: Path) -> list[str]:
    return sorted(p.name for p in base.glob("hds-restore-*")) if base.exists() else []


@dataclass
class BackupBucket:
    """One bucket on the local S3 server, in its own account's region, and targets pointing at it."""

    endpoint: LocalS3Endpoint
    creds: LocalCredentials
    name: str
    region: str
    credentials_ref: dict[str, Any]

    @property
    def s3(self) -> Any:
        return self.endpoint.client("s3", self.creds, self.region)

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.name, Key=key, Body=data)

    def put_backup(self, key: str, data: bytes, manifest: BackupManifest | None) -> None:
        self.put(key, data)
        if manifest is not None:
            self.put(key + ".manifest.json", manifest.dumps().encode())

    def target(self, sets: list[dict[str, Any]], **fields: Any) -> BackupTarget:
        entry: dict[str, Any] = {
            "name": "sauvegardes",
            "storage": {
                "endpoint_url": self.endpoint.url,
                "region": self.region,
                "addressing_style": "path",
                "bucket": self.name,
                "credentials": self.credentials_ref,
                "max_attempts": 1,
            },
            "protected_site": {"region": "eu-west-3"},
            "sets": sets,
        }
        entry.update(fields)
        return BackupTarget.model_validate(entry)


def new_bucket(
    endpoint: LocalS3Endpoint,
    creds: LocalCredentials,
    credentials_ref: dict[str, Any],
    region: str = "eu-central-1",
    **plan: Any,
) -> BackupBucket:
    name = f"sauvegardes-{secrets.token_hex(4)}"
    plan.setdefault("tls_only", False)  # the local server speaks plain HTTP
    provision_buckets(endpoint, creds, [BucketPlan(name, region=region, **plan)])
    return BackupBucket(endpoint, creds, name, region, credentials_ref)


def pg_set(name: str, prefix: str, fmt: str, scratch_env: str, scratch_dir: Path, **restore: Any) -> dict[str, Any]:
    return {
        "name": name,
        "prefix": prefix,
        "format": fmt,
        "restore": {"scratch_dsn": {"env": scratch_env}, "scratch_dir": str(scratch_dir), **restore},
    }


def tar_set(name: str, prefix: str, scratch_dir: Path, **restore: Any) -> dict[str, Any]:
    return {"name": name, "prefix": prefix, "format": "tar", "restore": {"scratch_dir": str(scratch_dir), **restore}}


def wait_for(condition: Any, timeout_s: float = 30, what: str = "condition") -> None:
    """Wait until `condition()` is true (polling a server's state), or fail naming what."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def env_var(value: str) -> str:
    """Put a value in the environment under a fresh name; return the name."""
    name = f"HDS_TEST_BACKUP_{secrets.token_hex(4).upper()}"
    os.environ[name] = value
    return name


def utc_now() -> datetime:
    return datetime.now(UTC)
