"""Fixtures for reversibility: the local S3 server (moto over HTTP on 127.0.0.1) with two tenants'
buckets in one account (isolation is tested where it is hardest: shared credentials and endpoint),
and a fleet file naming them. Commands run through the real CLI in-process; HDS_NOW moves the clock."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from controlplane.cli.main import cli
from controlplane.store import EvidenceStore
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint


def env_var(value: str) -> str:
    name = f"HDS_TEST_REV_{secrets.token_hex(4).upper()}"
    os.environ[name] = value
    return name


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalS3Endpoint]:
    with LocalS3Endpoint() as ep:
        yield ep


@pytest.fixture(scope="session")
def account(endpoint: LocalS3Endpoint) -> tuple[LocalCredentials, dict[str, Any]]:
    creds = endpoint.new_account()
    refs = {
        "access_key_id": {"env": env_var(creds.access_key_id)},
        "secret_access_key": {"env": env_var(creds.secret_access_key)},
    }
    return creds, refs


@dataclass
class Env:
    root: Path
    endpoint: LocalS3Endpoint
    creds: LocalCredentials
    refs: dict[str, Any]
    buckets: dict[str, str]
    tenants: list[dict[str, Any]] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "hds.yaml"

    @property
    def store(self) -> Path:
        return self.root / "ev.sqlite"

    def s3(self) -> Any:
        return self.endpoint.client("s3", self.creds)

    def write_fleet(self) -> Path:
        plain = json.loads(json.dumps({"version": 1, "tenants": self.tenants}))  # no shared nodes: no YAML aliases
        self.config.write_text(yaml.safe_dump(plain), encoding="utf-8")
        return self.config

    def s3_target(self, name: str, buckets: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "provider": "other",
            "endpoint_url": self.endpoint.url,
            "region": "eu-west-3",
            "addressing_style": "path",
            "credentials": self.refs,
            "buckets": buckets,
            **extra,
        }

    def hdsctl(self, *args: str, now: str | None = None) -> Result:
        env = {"HDS_NOW": now, "HDS_NOTIFY_URL": None, "OTEL_EXPORTER_OTLP_ENDPOINT": None, "HDS_STORE": None}
        return CliRunner().invoke(cli, list(args), env=env)

    def reversibility(self, command: str, *args: str, now: str | None = None) -> Result:
        return self.hdsctl("reversibility", command, "-c", str(self.config), "--store", str(self.store), *args, now=now)

    def records(self, kind: str) -> list[dict[str, Any]]:
        from controlplane.governance.register import records

        with EvidenceStore.open(str(self.store), create=False) as store:
            return list(records(store, kind))


def make_bucket(s3: Any, name: str, versioned: bool = True, lock: bool = False) -> str:
    kwargs: dict[str, Any] = {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-3"}}
    if lock:
        kwargs["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(Bucket=name, **kwargs)
    if versioned and not lock:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def env(tmp_path: Path, endpoint: LocalS3Endpoint, account: tuple[LocalCredentials, dict[str, Any]]) -> Env:
    """Tenant `clinique`: a data bucket (3 objects, one in a sub-folder, one with a SHA-256 checksum)
    and a log bucket (not returned: the host's logs). Tenant `labo`: its own data bucket, same account."""
    creds, refs = account
    s3 = endpoint.client("s3", creds)
    tag = secrets.token_hex(3)
    buckets = {
        "data": make_bucket(s3, f"clinique-data-{tag}"),
        "logs": make_bucket(s3, f"clinique-logs-{tag}"),
        "labo": make_bucket(s3, f"labo-data-{tag}"),
    }
    s3.put_object(Bucket=buckets["data"], Key="dossiers/patient-1.json", Body=json.dumps({"id": 1}).encode())
    s3.put_object(Bucket=buckets["data"], Key="imagerie/scan.dcm", Body=b"DICM" + bytes(range(256)) * 40)
    s3.put_object(Bucket=buckets["data"], Key="compte-rendu.txt", Body=b"RAS\n", ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=buckets["logs"], Key="2026-12-01-access.log", Body=b"log line\n")
    for i in range(4):
        s3.put_object(Bucket=buckets["labo"], Key=f"labo/resultat-{i}.csv", Body=b"a,b\n1,2\n")
    e = Env(tmp_path, endpoint, creds, refs, buckets)
    contract = {"rpo_hours": 24, "rto_hours": 4, "reversibility_clause": True}
    e.tenants = [
        {
            "id": "clinique",
            "name": "Clinique",
            "activities": [5, 6],
            "contract": dict(contract),
            "targets": {
                "s3": [
                    e.s3_target(
                        "stockage",
                        [{"name": buckets["data"]}, {"name": buckets["logs"], "roles": ["log"]}],
                    )
                ]
            },
        },
        {
            "id": "labo",
            "name": "Laboratoire",
            "activities": [5, 6],
            "contract": dict(contract),
            "targets": {"s3": [e.s3_target("stockage", [{"name": buckets["labo"]}])]},
        },
    ]
    e.write_fleet()
    return e


def dump(result: Result) -> str:
    return json.dumps({"code": result.exit_code, "out": result.output[-3000:]})


TENANT_SQL = r"""
CREATE TABLE patients (id integer PRIMARY KEY, nom text NOT NULL, notes text, photo bytea);
INSERT INTO patients SELECT g, 'patient ' || g, E'ligne\navec "guillemets", virgule ' || g, decode(md5(g::text), 'hex')
FROM generate_series(1, 500) g;
CREATE SCHEMA soins;
CREATE TABLE soins.sejours (id serial PRIMARY KEY, patient integer REFERENCES patients, motif text);
INSERT INTO soins.sejours (patient, motif) SELECT 1 + g % 500, 'motif ' || g FROM generate_series(1, 800) g;
CREATE TABLE "Table étrange/../x" (v text);
INSERT INTO "Table étrange/../x" VALUES ('a'), ('b');
CREATE TABLE vide (id integer);
"""


def _require_postgres() -> Path:
    from hds_backup.demo.local_postgres import find_bindir

    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    return bindir


@pytest.fixture(scope="session")
def pg() -> Iterator[Any]:
    """A real server: the tenant database `dossiers` read by `lecture_clinique` (LOGIN only, SELECT
    granted), another tenant's database `labo_db` it cannot even connect to."""
    from hds_backup.demo.local_postgres import LocalPostgres

    with LocalPostgres(_require_postgres()) as server:
        server.create_role("lecture_clinique", "LOGIN")
        server.create_database("dossiers")
        server.psql(TENANT_SQL, "dossiers")
        server.psql(
            "REVOKE CONNECT ON DATABASE dossiers FROM PUBLIC; GRANT CONNECT ON DATABASE dossiers TO lecture_clinique;"
            "GRANT USAGE ON SCHEMA soins TO lecture_clinique;"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public, soins TO lecture_clinique;"
            "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, soins TO lecture_clinique;",
            "dossiers",
        )
        server.create_database("labo_db")
        server.psql(
            "CREATE TABLE analyses (id int); INSERT INTO analyses VALUES (1);"
            "REVOKE CONNECT ON DATABASE labo_db FROM PUBLIC;",
            "labo_db",
        )
        yield server
