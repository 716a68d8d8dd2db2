"""Issue 18, item 4: `config validate` said "valid" while a referenced variable or secret file was
missing. With --check-secrets every reference is resolved (never printed) and each unresolvable
one is a line `file: field: reason`, exit 2. Same --format words as every other command."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet

CANARY = "canary-value-7f3a91"
UNSET = "environment variable HDS_TEST_CS_KEY_ID is not set"


def _fleet(tmp_path: Path) -> Path:
    def s3(tid: str, key_file: str) -> dict:
        return {
            "name": "stockage",
            "endpoint_url": "http://127.0.0.1:9",
            "region": "eu-west-3",
            "credentials": {
                "access_key_id": {"env": "HDS_TEST_CS_KEY_ID"},
                "secret_access_key": {"file": str(tmp_path / key_file)},
            },
            "buckets": [{"name": f"{tid}-data", "roles": ["data"]}],
        }

    return write_fleet(
        tmp_path / "hds.yaml",
        [tenant("a", [5], {"s3": [s3("a", "key-a")]}), tenant("b", [5], {"s3": [s3("b", "key-b")]})],
    )


def test_without_the_option_a_missing_secret_is_not_looked_at(tmp_path: Path):
    proc = hdsctl("config", "validate", str(_fleet(tmp_path)))
    assert proc.returncode == 0 and "valid (2 tenants, 2 targets)" in proc.stdout


def test_every_unresolvable_reference_is_listed_with_file_field_and_reason(tmp_path: Path):
    cfg = _fleet(tmp_path)
    (tmp_path / "key-a").write_text(CANARY + "\n", encoding="utf-8")
    (tmp_path / "key-b").write_text("\n", encoding="utf-8")
    proc = hdsctl("config", "validate", str(cfg), "--check-secrets")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{cfg}: tenants[0].targets.s3[0].credentials.access_key_id: {UNSET}",
        f"{cfg}: tenants[1].targets.s3[0].credentials.access_key_id: {UNSET}",
        f"{cfg}: tenants[1].targets.s3[0].credentials.secret_access_key: file:{tmp_path / 'key-b'} is empty",
    ]
    assert proc.stdout == "" and CANARY not in proc.stderr


def test_all_resolved_says_how_many_and_prints_none(tmp_path: Path):
    cfg = _fleet(tmp_path)
    for name in ("key-a", "key-b"):
        (tmp_path / name).write_text(CANARY, encoding="utf-8")
    env = {"HDS_TEST_CS_KEY_ID": CANARY + "-id"}
    proc = hdsctl("config", "validate", str(cfg), "--check-secrets", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{cfg}: valid (2 tenants, 2 targets, 4 secret references resolved)"
    doc = json.loads(hdsctl("config", "validate", str(cfg), "--check-secrets", "--format", "json", env=env).stdout)
    assert doc == {"valid": True, "tenants": 2, "targets": 2, "waivers": 0, "secrets_checked": 4}
    assert CANARY not in proc.stdout + proc.stderr


def test_json_lists_the_unresolvable_references(tmp_path: Path):
    proc = hdsctl("config", "validate", str(_fleet(tmp_path)), "--check-secrets", "--format", "json")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False and doc["secrets_checked"] == 4
    assert [p["field"] for p in doc["problems"]] == [
        "tenants[0].targets.s3[0].credentials.access_key_id",
        "tenants[0].targets.s3[0].credentials.secret_access_key",
        "tenants[1].targets.s3[0].credentials.access_key_id",
        "tenants[1].targets.s3[0].credentials.secret_access_key",
    ]


def test_the_format_words_are_those_of_every_command_and_text_still_works(tmp_path: Path):
    cfg = _fleet(tmp_path)
    table = hdsctl("config", "validate", str(cfg), "--format", "table")
    text = hdsctl("config", "validate", str(cfg), "--format", "text")
    assert table.returncode == text.returncode == 0 and table.stdout == text.stdout
    assert "[table|json]" in hdsctl("config", "validate", "--help").stdout
    assert hdsctl("config", "validate", str(cfg), "--format", "yaml").returncode == 2
