"""`hdsctl demo` part of the backup plugin: a throw-away PostgreSQL server (TLS, SCRAM, connection
logging) holding a small health database, dumped and uploaded with its manifest to the demo's S3
endpoint, then declared as backup targets that the sweep restore-tests for real:

- clinique-sud (compliant): a pg_dump in an Object-Locked, encrypted bucket in eu-central-1 (the
  data lives in eu-west-3), plus a tar.zst archive of documents; both restore and verify;
- hopital-nord (partly compliant): a gzip'd plain SQL dump, taken 40 hours ago (RPO 12 h) and
  altered after its manifest was written, in an unlocked, unencrypted bucket beside the data; its
  database server is declared to need a streaming replica it does not have.

Runs after the other plugins (`trylast`) so that the backups go to the S3 demo's endpoint and
accounts. The PostgreSQL cluster lives in the system's temporary directory, not in the work
directory: as root, initdb and the server run as the `postgres` user, which must be able to
reach it. Without PostgreSQL server binaries, psycopg or moto, it says so with `ctx.note`.
"""

from __future__ import annotations

import copy
import gzip
import importlib.util
import io
import secrets
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import zstandard

from controlplane.demo_context import DemoContext, DemoTenant
from hds_backup.demo.local_postgres import LocalPostgres, find_bindir
from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest
from hds_backup.pg_tools import Conninfo
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import BucketPlan, provision_buckets

DATA_REGION = "eu-west-3"
SCRATCH_ENV = "HDS_DEMO_PG_SCRATCH"
MONITOR_ENV = "HDS_DEMO_PG_MONITOR"
SOURCE_SQL = """
CREATE TABLE patients (id integer PRIMARY KEY, nom text NOT NULL, naissance date, poids_kg numeric(5, 1));
INSERT INTO patients SELECT g, 'patient-' || g, date '1950-01-01' + g * 7, 40 + g % 60 FROM generate_series(1, 2000) g;
CREATE SCHEMA soins;
CREATE TABLE soins.sejours (id serial PRIMARY KEY, patient integer REFERENCES patients, entree timestamptz, motif text);
INSERT INTO soins.sejours (patient, entree, motif)
  SELECT 1 + g % 2000, timestamptz '2025-01-01 08:00+01' + g * interval '5 hours', 'motif ' || g % 37
  FROM generate_series(1, 5000) g;
"""


def demo_setup(ctx: DemoContext) -> None:
    missing = [m for m in ("psycopg", "moto") if importlib.util.find_spec(m) is None]
    if missing:
        ctx.note(f"backup demo skipped: it needs {' and '.join(missing)} (pip install '.[demo]')")
        return
    bindir = find_bindir()
    if bindir is None:
        ctx.note("backup demo skipped: no PostgreSQL server binaries on this machine (apt-get install postgresql)")
        return
    from hds_tls.demo.local_server import LocalCA

    ca = LocalCA(ctx.workdir / "postgresql-tls", name="HDS demo PostgreSQL CA")
    cert = ca.issue("postgresql", ["127.0.0.1"])
    pg = LocalPostgres(
        bindir,
        settings={"password_encryption": "scram-sha-256", "log_connections": "on"},
        ssl_files=(cert.cert_path, cert.key_path),
    )
    ctx.stack.enter_context(pg)
    pg.psql("CREATE ROLE hds_monitor LOGIN IN ROLE pg_monitor")
    pg.create_database("dossiers")
    pg.psql(SOURCE_SQL, "dossiers")
    for tenant in ctx.tenants:  # one scratch role per tenant: a tenant's dump cannot reach another's restore
        role = pg.create_role("hds_restore_" + tenant.id.replace("-", "_"))
        ctx.env[_scratch_env(tenant)] = pg.dsn("postgres", user=role)
    ctx.env[MONITOR_ENV] = f"{pg.dsn('postgres', user='hds_monitor')} sslmode=verify-full sslrootcert={ca.ca_path}"
    backups = ctx.workdir / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    s3 = _S3(ctx)
    for tenant in ctx.tenants:
        if tenant.profile == "compliant":
            _compliant(ctx, s3, pg, tenant, backups)
        elif tenant.profile == "partial":
            _partial(ctx, s3, pg, tenant, backups)


class _S3:
    """Each tenant's account on the S3 demo's endpoint (its keys are in ctx.env), or — when the S3
    demo did not run — accounts on an endpoint of our own."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self._own: LocalS3Endpoint | None = None

    def account(self, tenant: DemoTenant) -> tuple[LocalS3Endpoint, LocalCredentials, dict[str, Any]]:
        for entry in self.ctx.targets.get(tenant.id, {}).get("s3", []):
            refs = entry.get("credentials") or {}
            key_ref, secret_ref = refs.get("access_key_id", {}), refs.get("secret_access_key", {})
            if (
                entry.get("endpoint_url")
                and key_ref.get("env") in self.ctx.env
                and secret_ref.get("env") in self.ctx.env
            ):
                endpoint = LocalS3Endpoint()
                endpoint.url = entry["endpoint_url"]  # attached to the S3 demo's running server
                creds = LocalCredentials("", self.ctx.env[key_ref["env"]], self.ctx.env[secret_ref["env"]])
                return endpoint, creds, copy.deepcopy(refs)  # no shared node: YAML aliases are refused
        if self._own is None:
            self._own = self.ctx.stack.enter_context(LocalS3Endpoint())
        creds = self._own.new_account()
        prefix = f"HDS_DEMO_BACKUP_{tenant.id.upper().replace('-', '_')}"
        self.ctx.env[f"{prefix}_KEY"], self.ctx.env[f"{prefix}_SECRET"] = creds.access_key_id, creds.secret_access_key
        refs = {"access_key_id": {"env": f"{prefix}_KEY"}, "secret_access_key": {"env": f"{prefix}_SECRET"}}
        return self._own, creds, refs


def _bucket_name(tenant: DemoTenant) -> str:
    """Bucket names are global on an S3 endpoint (moto's too, per process): a suffix lets the demo
    run twice against one server."""
    return f"{tenant.id}-sauvegardes-{secrets.token_hex(3)}"


def _pg_dump(pg: LocalPostgres, dest: Path, plain: bool) -> None:
    argv = [pg.tool("pg_dump"), "-d", pg.dsn("dossiers"), "-f", str(dest)]
    flags = ["-Fp", "--no-owner", "--no-privileges"] if plain else ["-Fc"]
    subprocess.run([*argv, *flags], env=pg.env(), check=True, capture_output=True)


def _upload(
    endpoint: LocalS3Endpoint,
    creds: LocalCredentials,
    region: str,
    bucket: str,
    key: str,
    data: bytes,
    manifest: BackupManifest,
) -> None:
    s3 = endpoint.client("s3", creds, region)
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    s3.put_object(
        Bucket=bucket, Key=key + ".manifest.json", Body=manifest.dumps().encode(), ContentType="application/json"
    )


def _documents(dest: Path) -> None:
    """A tar.zst of a few generated documents."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for i in range(1, 6):
            body = f"Compte rendu {i}\n".encode() * (200 * i)
            info = tarfile.TarInfo(f"comptes-rendus/cr-{i:03d}.txt")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    dest.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))


def _compliant(ctx: DemoContext, s3: _S3, pg: LocalPostgres, tenant: DemoTenant, backups: Path) -> None:
    endpoint, creds, refs = s3.account(tenant)
    bucket, region = _bucket_name(tenant), "eu-central-1"
    provision_buckets(
        endpoint, creds, [BucketPlan(bucket, region=region, object_lock=("COMPLIANCE", 35), tls_only=False)]
    )
    dump = backups / f"{tenant.id}-dossiers.dump"
    _pg_dump(pg, dump, plain=False)
    source = Conninfo.parse(pg.dsn("dossiers"), "demo source database")
    manifest = build_manifest(dump, "pg_custom", source=source, source_name="dossiers")
    _upload(endpoint, creds, region, bucket, f"pg/dossiers/{dump.name}", dump.read_bytes(), manifest)
    archive = backups / f"{tenant.id}-documents.tar.zst"
    _documents(archive)
    _upload(
        endpoint,
        creds,
        region,
        bucket,
        f"fichiers/documents/{archive.name}",
        archive.read_bytes(),
        build_manifest(archive, "tar", source_name="documents"),
    )
    ctx.add_target(
        tenant.id,
        "backup",
        _target(
            endpoint,
            region,
            bucket,
            refs,
            probe=True,
            sets=[
                {"name": "dossiers", "prefix": "pg/dossiers/", "format": "pg_custom", "restore": _restore(ctx, tenant)},
                {
                    "name": "documents",
                    "prefix": "fichiers/documents/",
                    "format": "tar",
                    "restore": _restore(ctx, None),
                },
            ],
        ),
    )
    ctx.add_target(tenant.id, "postgresql", {"name": "base-dossiers", "dsn": {"env": MONITOR_ENV}})


def _partial(ctx: DemoContext, s3: _S3, pg: LocalPostgres, tenant: DemoTenant, backups: Path) -> None:
    endpoint, creds, refs = s3.account(tenant)
    bucket = _bucket_name(tenant)
    provision_buckets(endpoint, creds, [BucketPlan(bucket, region=DATA_REGION, encryption="none", tls_only=False)])
    plain = backups / f"{tenant.id}-dossiers.sql"
    _pg_dump(pg, plain, plain=True)
    dump = backups / f"{tenant.id}-dossiers.sql.gz"
    dump.write_bytes(gzip.compress(plain.read_bytes()))
    source = Conninfo.parse(pg.dsn("dossiers"), "demo source database")
    taken = datetime.now(UTC) - timedelta(hours=40)
    manifest = build_manifest(dump, "pg_plain", source=source, source_name="dossiers", created_at=taken)
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one bit flipped after the manifest was written
    _upload(endpoint, creds, DATA_REGION, bucket, f"pg/dossiers/{dump.name}", bytes(damaged), manifest)
    ctx.add_target(
        tenant.id,
        "backup",
        _target(
            endpoint,
            DATA_REGION,
            bucket,
            refs,
            probe=False,
            sets=[
                {"name": "dossiers", "prefix": "pg/dossiers/", "format": "pg_plain", "restore": _restore(ctx, tenant)},
            ],
        ),
    )
    ctx.add_target(
        tenant.id, "postgresql", {"name": "base-dossiers", "dsn": {"env": MONITOR_ENV}, "require_replica": True}
    )


def _scratch_env(tenant: DemoTenant) -> str:
    return f"{SCRATCH_ENV}_{tenant.id.upper().replace('-', '_')}"


def _restore(ctx: DemoContext, tenant: DemoTenant | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"scratch_dir": str(ctx.workdir / "restore-scratch")}
    if tenant is not None:
        spec["scratch_dsn"] = {"env": _scratch_env(tenant)}
        spec["expect_tables"] = ["public.patients", "soins.sejours"]
        spec["sanity_queries"] = [{"sql": "SELECT count(*) FROM public.patients", "expect": "2000"}]
    return spec


def _target(
    endpoint: LocalS3Endpoint,
    region: str,
    bucket: str,
    refs: dict[str, Any],
    *,
    probe: bool,
    sets: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": "sauvegardes",
        "storage": {
            "provider": "aws",
            "endpoint_url": endpoint.url,
            "region": region,
            "addressing_style": "path",
            "bucket": bucket,
            "credentials": refs,
        },
        "protected_site": {"region": DATA_REGION},
        "immutability_probe": probe,
        "sets": sets,
    }
