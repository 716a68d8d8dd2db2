"""Provider profiles: which APIs an S3-compatible endpoint lacks, and which of its regions lie in
the European Economic Area (HDS v2 EXI 28: health data stored exclusively in the EEA).

A control whose API the profile declares missing reports ``not_applicable`` with the reason,
never ``pass``. Region lists are the provider's published regions located in an EEA country;
the United Kingdom and Switzerland are outside the EEA (an adequacy decision is not EEA storage),
so AWS eu-west-2 (London), eu-central-2 (Zurich) and OVHcloud uk are not in the defaults.
A target's ``allowed_regions`` replaces the default list; ``unsupported_apis`` replaces the
profile's list of missing APIs.
"""

from __future__ import annotations

from dataclasses import dataclass

from hds_s3.target import S3Target

ACCOUNT_APIS = frozenset({"kms", "cloudtrail", "iam", "s3control"})
"""AWS account services that S3-compatible stores do not expose through AWS's API."""


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    name: str
    lacks: frozenset[str]
    eea_regions: tuple[str, ...]
    """Empty when region names are chosen by the operator (Ceph, MinIO): configure allowed_regions."""


PROFILES: dict[str, ProviderProfile] = {
    "aws": ProviderProfile(
        "aws",
        frozenset(),
        # Ireland, Paris, Frankfurt, Stockholm, Milan, Spain.
        ("eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2"),
    ),
    # OVHcloud S3 regions (docs: "Object Storage - Endpoints and geoavailability"): Gravelines,
    # Roubaix, Strasbourg, Paris 3-AZ (France), Frankfurt, Warsaw, Milan 3-AZ.
    "ovhcloud": ProviderProfile(
        "ovhcloud", ACCOUNT_APIS, ("gra", "rbx", "sbg", "eu-west-par", "de", "waw", "eu-south-mil")
    ),
    # Scaleway: Paris, Amsterdam, Warsaw.
    "scaleway": ProviderProfile("scaleway", ACCOUNT_APIS, ("fr-par", "nl-ams", "pl-waw")),
    # 3DS Outscale: eu-west-2 and cloudgouv-eu-west-1 are both in France (unlike AWS's eu-west-2).
    "outscale": ProviderProfile("outscale", ACCOUNT_APIS, ("eu-west-2", "cloudgouv-eu-west-1")),
    "ceph": ProviderProfile("ceph", ACCOUNT_APIS, ()),
    "minio": ProviderProfile("minio", ACCOUNT_APIS, ()),
    "other": ProviderProfile("other", ACCOUNT_APIS, ()),
}


def unsupported_apis(target: S3Target) -> frozenset[str]:
    if target.unsupported_apis is not None:
        return frozenset(target.unsupported_apis)
    return PROFILES[target.provider].lacks


def unsupported_reason(target: S3Target, api: str) -> str:
    if target.unsupported_apis is not None:
        return f"target {target.name!r} declares the endpoint has no {api} API (unsupported_apis)"
    return f"provider profile {target.provider!r} has no {api} API"


def allowed_regions(target: S3Target) -> tuple[tuple[str, ...], str]:
    """The regions data may live in, and where that list comes from (shown in evidence)."""
    if target.allowed_regions is not None:
        return target.allowed_regions, f"target {target.name!r} (allowed_regions)"
    regions = PROFILES[target.provider].eea_regions
    return regions, (f"EEA regions of provider {target.provider!r}" if regions else "")
