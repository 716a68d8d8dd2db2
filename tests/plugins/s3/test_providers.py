"""Provider profiles: EEA regions by default, APIs the endpoint lacks, and target overrides."""

from __future__ import annotations

from hds_s3.providers import PROFILES, allowed_regions, unsupported_apis, unsupported_reason
from hds_s3.target import S3Target


def target(**fields: object) -> S3Target:
    base: dict[str, object] = {"name": "s", "region": "eu-west-3", "buckets": [{"name": "abc"}]}
    base.update(fields)
    return S3Target.model_validate(base)


def test_aws_defaults_exclude_london_and_zurich() -> None:
    regions, source = allowed_regions(target())
    assert {"eu-west-3", "eu-central-1", "eu-west-1"} <= set(regions)
    assert not {"eu-west-2", "eu-central-2", "us-east-1"} & set(regions)
    assert source == "EEA regions of provider 'aws'"


def test_region_names_mean_different_places_per_provider() -> None:
    outscale, _ = allowed_regions(target(provider="outscale", endpoint_url="https://oos.eu-west-2.outscale.com"))
    assert "eu-west-2" in outscale  # Outscale's eu-west-2 is in France
    ovh, _ = allowed_regions(target(provider="ovhcloud", endpoint_url="https://s3.gra.io.cloud.ovh.net"))
    assert "gra" in ovh and "uk" not in ovh and "bhs" not in ovh


def test_self_hosted_stores_need_an_explicit_list() -> None:
    assert allowed_regions(target(provider="ceph", endpoint_url="https://rgw.example")) == ((), "")
    regions, source = allowed_regions(
        target(provider="ceph", endpoint_url="https://rgw.example", allowed_regions=["paris"])
    )
    assert regions == ("paris",) and "allowed_regions" in source


def test_only_aws_has_the_account_apis_unless_the_target_says_otherwise() -> None:
    assert unsupported_apis(target()) == frozenset()
    for name, profile in PROFILES.items():
        if name != "aws":
            assert {"kms", "cloudtrail", "iam", "s3control"} <= profile.lacks
    minio = target(provider="minio", endpoint_url="http://minio:9000", unsupported_apis=["public_access_block"])
    assert unsupported_apis(minio) == frozenset({"public_access_block"})
    assert "declares the endpoint has no public_access_block API" in unsupported_reason(minio, "public_access_block")
