"""The manifest format and the hds.yaml entries: what is accepted, and one clear line for what is not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hds_backup.manifest import BackupManifest, ManifestError
from hds_backup.target import BackupTarget
from hds_postgresql.target import PostgresTarget
from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet

MANIFEST = {
    "format": "hds-backup-manifest/1",
    "tool": "pg_dump",
    "tool_version": "15.18",
    "created_at": "2026-05-04T03:00:00+02:00",
    "source": {"kind": "postgresql", "name": "dossiers"},
    "artefact": {"name": "d.dump.zst", "format": "pg_custom", "compression": "zstd", "size": 10, "sha256": "a" * 64},
    "digest_algorithm": "row-sha256-sum64/1",
    "tables": [{"schema": "public", "table": "patients", "rows": 3, "checksum": "-12"}],
}
TARGET = {
    "name": "sauvegardes",
    "storage": {"region": "eu-central-1", "bucket": "clinique-sauvegardes"},
    "protected_site": {"region": "eu-west-3"},
    "sets": [{"name": "dossiers", "prefix": "pg/", "format": "pg_custom", "restore": {"scratch_dsn": {"env": "X"}}}],
}


def test_manifest_round_trips_in_utc():
    manifest = BackupManifest.model_validate(MANIFEST)
    text = manifest.dumps()
    assert '"created_at": "2026-05-04T01:00:00Z"' in text and '"schema": "public"' in text
    assert BackupManifest.loads(text.encode(), "m") == manifest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"created_at": "2026-05-04T03:00:00"}, "m: created_at: Value error, needs a time zone"),
        ({"files": []}, "m: (document): Value error, a PostgreSQL artefact's manifest lists tables, not files"),
        ({"digest_algorithm": None}, "m: (document): Value error, tables need their digest_algorithm"),
        ({"artefact": {**MANIFEST["artefact"], "sha256": "xyz"}}, "m: artefact.sha256: String should match pattern"),
        ({"format": "other/9"}, "m: format: Input should be 'hds-backup-manifest/1'"),
        ({"extra": 1}, "m: extra: Extra inputs are not permitted"),
    ],
)
def test_bad_manifest_is_one_line_naming_the_field(change, message):
    import json

    with pytest.raises(ManifestError) as caught:
        BackupManifest.loads(json.dumps({**MANIFEST, **change}).encode(), "m")
    assert str(caught.value).startswith(message), str(caught.value)


def test_manifest_that_is_not_json():
    with pytest.raises(ManifestError, match=r"^s3://b/k: not UTF-8 JSON"):
        BackupManifest.loads(b"\xff\x00", "s3://b/k")


def test_backup_target_reuses_the_s3_credentials_and_builds_an_s3_target():
    target = BackupTarget.model_validate(
        {**TARGET, "storage": {**TARGET["storage"], "credentials": {"profile": "sauvegarde"}}}
    )
    s3_target = target.storage.s3_target("x")
    assert s3_target.buckets[0].name == "clinique-sauvegardes" and s3_target.credentials.mode == "profile"


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([{"name": "d", "prefix": "pg/", "format": "pg_custom"}], "restore.scratch_dsn is required"),
        ([{"name": "d", "prefix": "../x/", "format": "tar"}], "must be a relative key prefix"),
        ([{"name": "d", "prefix": "x/", "format": "tar", "restore": {"scratch_dir": "tmp"}}], "must be an absolute"),
        (
            [{"name": "d", "prefix": "x/", "format": "pg_plain", "restore": {"scratch_dsn": "host=db password=p"}}],
            "inline secret values are not allowed",
        ),
        ([{"name": "d", "prefix": "a/", "format": "tar"}, {"name": "d", "prefix": "b/", "format": "tar"}], "twice"),
    ],
)
def test_bad_backup_target_is_refused(sets, message):
    with pytest.raises(ValidationError, match=message):
        BackupTarget.model_validate({**TARGET, "sets": sets})


def test_postgresql_target_dsn_must_be_a_reference():
    with pytest.raises(ValidationError, match="inline secret values are not allowed"):
        PostgresTarget.model_validate({"name": "db", "dsn": "postgresql://u:p@db/x"})


def test_config_validate_names_file_field_and_reason(tmp_path):
    bad = {**TARGET, "sets": [{"name": "d", "prefix": "pg/", "format": "pg_custom"}]}
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("clinique-sud", [6], {"backup": [bad]})])
    proc = hdsctl("config", "validate", str(cfg))
    assert proc.returncode == 2
    assert f"{cfg}: tenants[0].targets.backup[0].sets[0]" in proc.stderr + proc.stdout
    assert "restore.scratch_dsn is required" in proc.stderr + proc.stdout


def test_readme_fleet_sample_validates(tmp_path, registry):
    """The backup and postgresql entries documented in the README are accepted as written."""
    import re
    from pathlib import Path

    from controlplane.catalog import load_catalog
    from controlplane.config.loader import load_fleet

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"## The fleet file.*?```yaml\n(.*?)```", readme, re.S).group(1)
    assert "backup:" in sample and "postgresql:" in sample
    path = tmp_path / "hds.yaml"
    path.write_text(sample, encoding="utf-8")
    fleet = load_fleet(path, registry.target_kinds, load_catalog(registry.catalog_files))
    [tenant] = fleet.tenants
    assert [s.name for s in tenant.targets["backup"][0].sets] == ["dossiers", "documents"]
    assert tenant.targets["postgresql"][0].require_replica is True
