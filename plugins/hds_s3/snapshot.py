"""What one collection of an S3 target observed: per-aspect outcomes the checks read.

One collection serves every control, so each configuration aspect (a bucket's encryption, its
policy, the account's trails...) is stored with its *outcome*, not just its value: the check
reading it decides what "not configured", "access denied", "API not offered" or "failed" means
for its control. All values are plain JSON-compatible data (strings, numbers, lists, dicts),
ready to be quoted as evidence; no credential ever enters a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AspectState(StrEnum):
    value = "value"
    """Read: `value` holds the configuration."""
    missing = "missing"
    """The endpoint says it is not configured (e.g. ServerSideEncryptionConfigurationNotFoundError)."""
    denied = "denied"
    """The credentials may not read it (AccessDenied): nothing is known."""
    unsupported = "unsupported"
    """The endpoint has no such API (provider profile, or it answered NotImplemented / 501)."""
    error = "error"
    """Anything else, including throttling and 5xx after the bounded retries."""


@dataclass(frozen=True, slots=True)
class Aspect:
    state: AspectState
    value: Any = None
    reason: str = ""
    """Why, for every state but `value`: an error code and message, never a credential."""
    transient: bool = False
    """An `error` worth retrying later (throttling, 5xx, unreachable endpoint)."""

    @classmethod
    def of(cls, value: Any) -> Aspect:
        return cls(AspectState.value, value)

    @classmethod
    def missing(cls, reason: str) -> Aspect:
        return cls(AspectState.missing, reason=reason)

    @classmethod
    def denied(cls, reason: str) -> Aspect:
        return cls(AspectState.denied, reason=reason)

    @classmethod
    def unsupported(cls, reason: str) -> Aspect:
        return cls(AspectState.unsupported, reason=reason)

    @classmethod
    def error(cls, reason: str, transient: bool = False) -> Aspect:
        return cls(AspectState.error, reason=reason, transient=transient)

    @property
    def ok(self) -> bool:
        return self.state is AspectState.value

    def describe(self) -> dict[str, Any]:
        """The outcome as evidence: the value, or the state and its reason."""
        if self.ok:
            return {"state": str(self.state), "value": self.value}
        return {"state": str(self.state), "reason": self.reason}


IMPLICIT_KMS_KEY = "alias/aws/s3"

NOT_COLLECTED = Aspect.error("not collected")
"""Default for aspects a collection did not fetch: a check reading one reports an error, never a pass."""


@dataclass(frozen=True, slots=True)
class BucketSnapshot:
    """One bucket. Tenant buckets have every aspect collected; related buckets (log targets,
    replication destinations) only those the checks need from them."""

    name: str
    roles: tuple[str, ...] = ("data",)
    require_kms: bool = False
    location: Aspect = NOT_COLLECTED
    """Value: the region (LocationConstraint normalised: empty → us-east-1 on AWS, EU → eu-west-1)."""
    encryption: Aspect = NOT_COLLECTED
    """Value: the default-encryption rules."""
    policy: Aspect = NOT_COLLECTED
    """Value: the bucket policy document, parsed."""
    public_access_block: Aspect = NOT_COLLECTED
    """Value: the four BlockPublicAcls/IgnorePublicAcls/BlockPublicPolicy/RestrictPublicBuckets flags."""
    acl: Aspect = NOT_COLLECTED
    """Value: the ACL grants (grantee type, URI or canonical ID, permission)."""
    versioning: Aspect = NOT_COLLECTED
    """Value: {"Status": "Enabled" | "Suspended" | None, "MFADelete": ...}."""
    object_lock: Aspect = NOT_COLLECTED
    """Value: the ObjectLockConfiguration."""
    logging: Aspect = NOT_COLLECTED
    """Value: LoggingEnabled ({} when logging is off)."""
    lifecycle: Aspect = NOT_COLLECTED
    """Value: the lifecycle rules."""
    replication: Aspect = NOT_COLLECTED
    """Value: the ReplicationConfiguration (Role, Rules)."""

    @property
    def exists(self) -> bool:
        return self.location.state is not AspectState.missing

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def replica_buckets(self) -> list[str]:
        """Destination buckets of the enabled replication rules."""
        if not self.replication.ok:
            return []
        rules = self.replication.value.get("Rules", [])
        out = [destination_bucket(r) for r in rules if r.get("Status") == "Enabled"]
        return list(dict.fromkeys(n for n in out if n))

    def kms_key_refs(self) -> list[str]:
        """The KMS keys the default encryption uses, as written there; SSE-KMS naming no key
        uses the AWS-managed key `alias/aws/s3`."""
        if not self.encryption.ok:
            return []
        refs = []
        for rule in self.encryption.value:
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            if str(default.get("SSEAlgorithm", "")).startswith("aws:kms"):
                refs.append(default.get("KMSMasterKeyID") or IMPLICIT_KMS_KEY)
        return refs


def destination_bucket(rule: Mapping[str, Any]) -> str:
    """A replication rule's destination bucket name (the rule holds its ARN)."""
    arn = str((rule.get("Destination") or {}).get("Bucket", ""))
    return arn.rsplit(":", 1)[-1] if arn.startswith("arn:") else arn


BUCKET_ASPECTS = (
    "location",
    "encryption",
    "policy",
    "public_access_block",
    "acl",
    "versioning",
    "object_lock",
    "logging",
    "lifecycle",
    "replication",
)


@dataclass(frozen=True, slots=True)
class KeySnapshot:
    """A KMS key referenced by a bucket's default encryption, as written there (id, ARN or alias)."""

    ref: str
    metadata: Aspect = NOT_COLLECTED
    """Value: KeyId, Arn, KeyManager (CUSTOMER | AWS), KeyState, Origin."""
    rotation: Aspect = NOT_COLLECTED
    """Value: KeyRotationEnabled (bool). Only fetched for customer-managed keys."""


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    account_id: Aspect = NOT_COLLECTED
    public_access_block: Aspect = NOT_COLLECTED
    """S3 Control, account level: the four flags."""
    trails: Aspect = NOT_COLLECTED
    """Value: the trails visible from the target's region (shadow copies of multi-region trails included)."""
    trail_status: Mapping[str, Aspect] = field(default_factory=dict)
    """By trail ARN. Value: IsLogging and the latest delivery error, if any."""
    credential_report: Aspect = NOT_COLLECTED
    """Value: {"generated_at": ISO time, "users": [rows of the IAM credential report]}."""


@dataclass(frozen=True, slots=True)
class S3Snapshot:
    target: str
    provider: str
    endpoint: str
    region: str
    collected_at: datetime
    """Reference time for ages (access keys): checks stay pure and repeatable."""
    allowed_regions: tuple[str, ...] = ()
    allowed_regions_source: str = ""
    listing: Aspect = NOT_COLLECTED
    """Bucket discovery (ListBuckets filtered by prefix); Aspect.of(None) when not asked for."""
    discover_prefix: str | None = None
    buckets: tuple[BucketSnapshot, ...] = ()
    related: Mapping[str, BucketSnapshot] = field(default_factory=dict)
    """Buckets that tenant buckets point to (log targets, replica destinations), by name."""
    kms_keys: Mapping[str, KeySnapshot] = field(default_factory=dict)
    """By the key reference found in bucket encryption rules."""
    account: AccountSnapshot = field(default_factory=AccountSnapshot)
    traces: Aspect = NOT_COLLECTED
    """Value: when the target's trace units were written (`controlplane.traces.coverage.summarise`).
    Collected only when the target declares `trace_logs`."""

    def bucket(self, name: str) -> BucketSnapshot | None:
        """A tenant bucket, else a related one, by name."""
        for b in self.buckets:
            if b.name == name:
                return b
        return self.related.get(name)
