"""hds.yaml entry for an S3-compatible object store (`tenants[].targets.s3[]`).

Credentials are references only (``SecretRef``), an AWS profile name, or a web identity
(role ARN + token reference); omitting them uses the SDK's default chain (instance role, IRSA).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef
from hds_s3.trace_config import TraceLogs

Provider = Literal["aws", "ovhcloud", "scaleway", "outscale", "ceph", "minio", "other"]
Role = Literal["data", "backup", "log", "critical"]
Api = Literal[
    # account-level services
    "kms",
    "cloudtrail",
    "iam",
    "s3control",
    # bucket-level features some S3-compatible stores lack
    "public_access_block",
    "object_lock",
    "logging",
    "lifecycle",
    "replication",
]
ServiceName = Literal["sts", "iam", "kms", "cloudtrail", "s3control"]

BUCKET_NAME = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
REGION = r"^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$"
PROFILE_NAME = r"^[A-Za-z0-9_.@+=-]{1,128}$"
ROLE_ARN = r"^arn:[a-z-]+:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _unique(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError(f"a {what} is listed twice")
    return values


class BucketSpec(_Strict):
    """A tenant bucket and what it is for: the roles decide which controls judge it."""

    name: str = Field(pattern=BUCKET_NAME, description="Bucket name")
    roles: tuple[Role, ...] = Field(
        default=("data",),
        min_length=1,
        description="data | backup (Object Lock) | log (Object Lock, receives access logs) | critical (replicated)",
    )
    require_kms: bool = Field(default=False, description="Default encryption must be SSE-KMS with a customer key")
    replicas: tuple[str, ...] = Field(
        default=(),
        description="Buckets this one replicates to, same endpoint: `hdsctl reversibility destroy-check` checks "
        "them even once this bucket (and its replication configuration) is gone",
    )

    @field_validator("roles")
    @classmethod
    def _roles_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(value, "role")

    @field_validator("replicas")
    @classmethod
    def _replica_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(BUCKET_NAME, name):
                raise ValueError(f"{name!r} is not a bucket name")
        return _unique(value, "replica")


class DiscoverSpec(_Strict):
    """Take every bucket the credentials can list whose name starts with `prefix`."""

    prefix: str = Field(
        max_length=63,
        pattern=r"^[a-z0-9.-]*$",
        description="Name prefix; an empty prefix takes every listed bucket (only for a tenant-dedicated account)",
    )
    roles: tuple[Role, ...] = Field(default=("data",), min_length=1)
    require_kms: bool = False

    @field_validator("roles")
    @classmethod
    def _roles_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(value, "role")


class S3Credentials(_Strict):
    """Exactly one way to authenticate: static keys (references), an AWS profile, or a web identity."""

    access_key_id: SecretRef | None = None
    secret_access_key: SecretRef | None = None
    session_token: SecretRef | None = None
    profile: str | None = Field(default=None, pattern=PROFILE_NAME, description="Profile in the AWS config files")
    role_arn: str | None = Field(default=None, pattern=ROLE_ARN, description="Role assumed with the web identity")
    web_identity_token: SecretRef | None = Field(default=None, description="OIDC token, usually {file: ...}")
    role_session_name: str = Field(default="hds-controlplane", pattern=r"^[A-Za-z0-9+=,.@_-]{2,64}$")

    @model_validator(mode="after")
    def _one_mode(self) -> S3Credentials:
        keys = self.access_key_id is not None or self.secret_access_key is not None or self.session_token is not None
        identity = self.role_arn is not None or self.web_identity_token is not None
        modes = [keys, self.profile is not None, identity]
        if sum(modes) != 1:
            raise ValueError(
                "give exactly one of: access_key_id + secret_access_key (+ session_token), profile, "
                "or role_arn + web_identity_token"
            )
        if keys and (self.access_key_id is None or self.secret_access_key is None):
            raise ValueError("access_key_id and secret_access_key go together")
        if identity and (self.role_arn is None or self.web_identity_token is None):
            raise ValueError("role_arn and web_identity_token go together")
        return self

    @property
    def mode(self) -> Literal["keys", "profile", "web_identity"]:
        if self.access_key_id is not None:
            return "keys"
        return "profile" if self.profile is not None else "web_identity"


def check_endpoint_url(value: str) -> str:
    """An endpoint URL as the S3 targets accept it (http(s), a host, no credentials, no query),
    without its trailing slash; ValueError names what is wrong. Public: other plugins' targets
    (hds_backup) validate their endpoints the same way, through `hds_s3.api`."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host, e.g. https://s3.fr-par.scw.cloud")
    if parts.username or parts.password:
        raise ValueError("must not embed credentials: use the credentials field")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return value.rstrip("/")


class S3Target(_Strict):
    name: str = Field(pattern=TARGET_NAME, description="Name of this object store in reports")
    provider: Provider = Field(
        default="aws", description="Selects the provider profile: APIs the endpoint lacks, default EEA regions"
    )
    endpoint_url: str | None = Field(default=None, description="S3 endpoint (default: AWS's own for the region)")
    region: str = Field(pattern=REGION, description="Region to sign with, and where KMS and CloudTrail are queried")
    addressing_style: Literal["path", "virtual", "auto"] = "auto"
    ca_bundle: str | None = Field(default=None, description="PEM file of trusted CAs (default: the system's)")
    credentials: S3Credentials | None = Field(
        default=None, description="Omit to use the SDK's default chain (instance role, IRSA, environment)"
    )
    service_endpoints: dict[ServiceName, str] = Field(
        default_factory=dict, description="Per-service endpoint overrides (default: endpoint_url, else AWS's)"
    )
    unsupported_apis: tuple[Api, ...] | None = Field(
        default=None, description="Replaces the provider profile's list of APIs this endpoint lacks"
    )
    buckets: tuple[BucketSpec, ...] = Field(default=(), description="Tenant buckets, with their roles")
    discover: DiscoverSpec | None = Field(default=None, description="Also take every bucket with this name prefix")
    allowed_regions: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="Regions data may live in (default: the provider's EEA regions)"
    )
    max_attempts: int = Field(default=3, ge=1, le=10, description="Attempts per request (throttling, 5xx), backoff")
    trace_logs: TraceLogs | None = Field(
        default=None,
        description="Where accesses to the tenant's buckets are logged, for `hdsctl traces` (default: each "
        "bucket's server access logging configuration)",
    )

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint_url(value)

    @field_validator("service_endpoints")
    @classmethod
    def _service_endpoints(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: check_endpoint_url(v) for k, v in value.items()}

    @field_validator("allowed_regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            for region in value:
                if not re.fullmatch(REGION, region):
                    raise ValueError(f"{region!r} is not a region name")
            _unique(value, "region")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> S3Target:
        if not self.buckets and self.discover is None:
            raise ValueError("declare the tenant's buckets, a discover prefix, or both")
        _unique(tuple(b.name for b in self.buckets), "bucket")
        if self.provider != "aws" and self.endpoint_url is None:
            raise ValueError(f"provider {self.provider!r} needs an endpoint_url")
        return self

    def endpoint_for(self, service: str) -> str | None:
        """Where to send `service` calls: its override, else the S3 endpoint (one host serves all
        APIs on S3-compatible stores and local emulators), else AWS's default."""
        return self.service_endpoints.get(service, self.endpoint_url)  # type: ignore[call-overload]

    def endpoint_key(self) -> str:
        """host:port of the S3 endpoint (AWS's regional one by default): the endpoint whose
        request window (`controlplane.endpoint_limits`) this target's collection shares."""
        if self.endpoint_url is None:
            return f"s3.{self.region}.amazonaws.com"
        parts = urlsplit(self.endpoint_url)
        return parts.netloc.rpartition("@")[2]


def endpoint_key(target: S3Target) -> str:
    """`TargetKind.endpoint` for S3 targets."""
    return target.endpoint_key()
