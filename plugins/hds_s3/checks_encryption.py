"""Cryptography controls (ISO 27001:2022 A.8.24): default encryption at rest (S3-01), rotation of
the KMS keys behind it (S3-02), and refusal of plain-HTTP access (S3-03). Pure functions of an
S3Snapshot."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.policy import tls_only_statement
from hds_s3.snapshot import AspectState, BucketSnapshot, KeySnapshot, S3Snapshot
from hds_s3.verdicts import bucket_evidence, each_bucket, names, unobservable


def _default_rule(rules: list[dict[str, Any]]) -> dict[str, Any]:
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm"):
            return {**default, "BucketKeyEnabled": rule.get("BucketKeyEnabled", False)}
    return {}


def _kms_key_verdict(b: BucketSnapshot, key: KeySnapshot | None, ref: str, evidence: dict[str, Any]) -> Finding | None:
    """A failure or error about the bucket's KMS key, or None when the key is usable."""
    if key is None:
        return Finding(Status.error, f"KMS key {ref} was not collected", b.name, evidence)
    evidence["kms_key"] = key.metadata.describe()
    if key.metadata.state is AspectState.missing:
        return Finding(Status.failed, f"SSE-KMS names key {ref}, which does not exist", b.name, evidence)
    if key.metadata.state is AspectState.unsupported:
        return None  # no KMS API: the key id written in the bucket is all there is to see
    problem = unobservable(key.metadata, f"KMS key {ref}", b.name, evidence)
    if problem is not None:
        return problem
    state = key.metadata.value.get("KeyState")
    if state != "Enabled":
        return Finding(
            Status.failed, f"KMS key {ref} is {state}: objects cannot be encrypted or read", b.name, evidence
        )
    return None


@check("s3.default_encryption", "s3", "default encryption at rest")
def default_encryption(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-01: every tenant bucket has default encryption; SSE-KMS with a customer-managed key
    where the bucket requires it."""

    def judge(b: BucketSnapshot) -> Finding:
        evidence = bucket_evidence(b, require_kms=b.require_kms)
        problem = unobservable(b.encryption, "the default encryption", b.name, evidence)
        if problem is not None:
            return problem
        if b.encryption.state is AspectState.missing:
            evidence["encryption"] = b.encryption.describe()
            return Finding(Status.failed, "no default encryption: objects are stored unencrypted", b.name, evidence)
        default = _default_rule(b.encryption.value)
        evidence["encryption"] = default
        algorithm = str(default.get("SSEAlgorithm", ""))
        if not algorithm:
            return Finding(Status.failed, "default-encryption rule names no algorithm", b.name, evidence)
        kms = algorithm.startswith("aws:kms")
        refs = b.kms_key_refs()
        if b.require_kms and not kms:
            return Finding(
                Status.failed,
                f"encrypted with {algorithm}, but this bucket requires SSE-KMS with a customer-managed key",
                b.name,
                evidence,
            )
        if b.require_kms and not default.get("KMSMasterKeyID"):
            return Finding(
                Status.failed,
                "SSE-KMS uses the AWS-managed key aws/s3, but this bucket requires a customer-managed key",
                b.name,
                evidence,
            )
        if not kms:
            return Finding(Status.passed, f"default encryption {algorithm}", b.name, evidence)
        ref = refs[0]
        key = s.kms_keys.get(ref)
        problem = _kms_key_verdict(b, key, ref, evidence)
        if problem is not None:
            return problem
        assert key is not None
        if key.metadata.state is AspectState.unsupported:
            return Finding(
                Status.passed,
                f"default encryption {algorithm} with key {ref} (key manager not verifiable: {key.metadata.reason})",
                b.name,
                evidence,
            )
        manager = key.metadata.value.get("KeyManager")
        if b.require_kms and manager != "CUSTOMER":
            return Finding(
                Status.failed, f"KMS key {ref} is {manager}-managed, not a customer-managed key", b.name, evidence
            )
        return Finding(
            Status.passed,
            f"default encryption {algorithm} with {str(manager).lower()}-managed key {ref}",
            b.name,
            evidence,
        )

    return each_bucket(s, judge)


@check("s3.kms_key_rotation", "s3", "KMS key rotation")
def kms_key_rotation(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-02: every KMS key protecting a tenant bucket has automatic rotation enabled."""
    users: dict[str, list[str]] = {}
    for b in s.buckets:
        for ref in b.kms_key_refs():
            users.setdefault(ref, []).append(b.name)
    if not users:
        return [
            Finding(
                Status.not_applicable,
                "no tenant bucket is encrypted with a KMS key",
                s.target,
                {"buckets": [b.name for b in s.buckets]},
            )
        ]
    findings = []
    for ref, buckets in users.items():
        key = s.kms_keys.get(ref, KeySnapshot(ref))
        evidence: dict[str, Any] = {"kms_key": ref, "used_by": buckets, "metadata": key.metadata.describe()}
        problem = unobservable(key.metadata, f"KMS key {ref}", ref, evidence) or unobservable(
            key.rotation, f"the rotation status of KMS key {ref}", ref, evidence
        )
        if problem is not None:
            findings.append(problem)
            continue
        if key.metadata.state is AspectState.missing:
            findings.append(Finding(Status.failed, f"KMS key {ref} does not exist", ref, evidence))
            continue
        arn = key.metadata.value.get("Arn") or ref
        evidence["rotation_enabled"] = key.rotation.value
        if key.rotation.value:
            manager = str(key.metadata.value.get("KeyManager", "")).lower()
            findings.append(
                Finding(Status.passed, f"automatic rotation enabled on {manager}-managed key", arn, evidence)
            )
        else:
            findings.append(
                Finding(Status.failed, f"automatic rotation disabled (key used by {names(buckets)})", arn, evidence)
            )
    return findings


@check("s3.tls_only", "s3", "policy denies non-TLS requests")
def tls_only(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-03: the bucket policy denies every request made without TLS (aws:SecureTransport false)."""

    def judge(b: BucketSnapshot) -> Finding:
        evidence = bucket_evidence(b)
        problem = unobservable(b.policy, "the bucket policy", b.name, evidence)
        if problem is not None:
            return problem
        if b.policy.state is AspectState.missing:
            evidence["policy"] = b.policy.describe()
            return Finding(Status.failed, "no bucket policy: requests over plain HTTP are accepted", b.name, evidence)
        statement, near = tls_only_statement(b.policy.value, b.name)
        if statement is not None:
            evidence["statement"] = statement
            sid = statement.get("Sid") or "(no Sid)"
            return Finding(
                Status.passed, f"bucket policy statement {sid} denies every request without TLS", b.name, evidence
            )
        evidence["policy"] = b.policy.value
        detail = f" ({'; '.join(near)})" if near else ""
        return Finding(Status.failed, f"no policy statement denies all requests without TLS{detail}", b.name, evidence)

    return each_bucket(s, judge)
