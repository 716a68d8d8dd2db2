"""The hds.yaml model of an S3 target: credentials by reference only, coherent fields, and
one-line errors naming file and field through the fleet loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from controlplane.catalog import load_catalog
from controlplane.config import load_fleet
from controlplane.errors import InputError
from controlplane.plugins import PluginRegistry
from hds_s3.target import S3Target

KEYS = {"access_key_id": {"env": "K"}, "secret_access_key": {"file": "/run/secrets/s3"}}


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "stockage", "region": "eu-west-3", "buckets": [{"name": "donnees-1"}]}
    base.update(fields)
    return base


def test_minimal_aws_target_uses_defaults() -> None:
    t = S3Target.model_validate(entry())
    assert (t.provider, t.addressing_style, t.credentials, t.max_attempts) == ("aws", "auto", None, 3)
    assert t.buckets[0].roles == ("data",) and not t.buckets[0].require_kms


@pytest.mark.parametrize(
    "credentials",
    [
        KEYS,
        {**KEYS, "session_token": {"env": "T"}},
        {"profile": "hds-audit"},
        {"role_arn": "arn:aws:iam::111122223333:role/hds-auditor", "web_identity_token": {"file": "/var/run/token"}},
    ],
)
def test_each_credential_mode_is_accepted(credentials: dict[str, Any]) -> None:
    assert S3Target.model_validate(entry(credentials=credentials)).credentials is not None


@pytest.mark.parametrize(
    ("credentials", "reason"),
    [
        ({"access_key_id": "AKIAINLINE", "secret_access_key": {"env": "S"}}, "inline secret values are not allowed"),
        ({"access_key_id": {"env": "K"}}, "access_key_id and secret_access_key go together"),
        ({**KEYS, "profile": "p"}, "give exactly one of"),
        ({"role_arn": "arn:aws:iam::111122223333:role/r"}, "role_arn and web_identity_token go together"),
        ({"role_arn": "not-an-arn", "web_identity_token": {"file": "/t"}}, "should match pattern"),
        ({}, "give exactly one of"),
    ],
)
def test_bad_credentials_are_refused(credentials: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        S3Target.model_validate(entry(credentials=credentials))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"provider": "scaleway"}, "provider 'scaleway' needs an endpoint_url"),
        ({"endpoint_url": "https://user:pw@s3.example"}, "must not embed credentials"),
        ({"endpoint_url": "s3.example"}, "must be an http"),
        ({"buckets": []}, "declare the tenant's buckets, a discover prefix, or both"),
        ({"buckets": [{"name": "a-b-c"}, {"name": "a-b-c"}]}, "a bucket is listed twice"),
        ({"buckets": [{"name": "Bad_Name"}]}, "should match pattern"),
        ({"buckets": [{"name": "abc", "roles": ["log", "log"]}]}, "a role is listed twice"),
        ({"buckets": [{"name": "abc", "roles": ["archive"]}]}, "Input should be"),
        ({"allowed_regions": ["eu west"]}, "is not a region name"),
        ({"unsupported_apis": ["ftp"]}, "Input should be"),
        ({"secret": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_incoherent_targets_are_refused(fields: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        S3Target.model_validate(entry(**fields))


def test_discovery_alone_is_enough_and_service_endpoints_default_to_the_endpoint() -> None:
    t = S3Target.model_validate(
        entry(
            buckets=[],
            discover={"prefix": "clinique-"},
            endpoint_url="https://s3.example/",
            service_endpoints={"kms": "https://kms.example"},
        )
    )
    assert t.endpoint_url == "https://s3.example"
    assert (t.endpoint_for("kms"), t.endpoint_for("iam")) == ("https://kms.example", "https://s3.example")


def test_fleet_loader_names_file_and_field(tmp_path: Path, registry: PluginRegistry) -> None:
    fleet = {
        "version": 1,
        "tenants": [
            {
                "id": "clinique",
                "name": "Clinique",
                "activities": [3],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"s3": [entry(credentials={"access_key_id": "AKIA", "secret_access_key": {"env": "S"}})]},
            }
        ],
    }
    path = tmp_path / "hds.yaml"
    path.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_fleet(path, registry.target_kinds, load_catalog(registry.catalog_files))
    assert raised.value.one_line().startswith(f"{path}: tenants[0].targets.s3[0].credentials.access_key_id: ")
    assert "inline secret values are not allowed" in raised.value.one_line()
