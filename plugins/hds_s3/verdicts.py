"""How checks turn what could not be observed into findings, worded the same way by every control:
access denied → error, API not offered → not_applicable, failure → error. Never a pass.
Also the per-bucket driver that checks share (listing problems, absent buckets, no bucket).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from controlplane.results import Finding, Status
from hds_s3.snapshot import Aspect, AspectState, BucketSnapshot, S3Snapshot

EVIDENCE_LIST_CAP = 50
"""Lists in evidence (users, keys) are cut here, with the full count beside them."""


def bucket_evidence(b: BucketSnapshot, **extra: Any) -> dict[str, Any]:
    return {"bucket": b.name, "roles": list(b.roles), **extra}


def unobservable(aspect: Aspect, what: str, resource: str, evidence: dict[str, Any]) -> Finding | None:
    """A finding when `aspect` could not be read; None when the check can judge it (a value, or
    "not configured", whose meaning each check decides)."""
    if aspect.state in (AspectState.value, AspectState.missing):
        return None
    evidence = {**evidence, "observed": aspect.describe()}
    if aspect.state is AspectState.denied:
        return Finding(Status.error, f"cannot read {what}: access denied ({aspect.reason})", resource, evidence)
    if aspect.state is AspectState.unsupported:
        return Finding(Status.not_applicable, f"{what} cannot be checked here: {aspect.reason}", resource, evidence)
    return Finding(Status.error, f"cannot read {what}: {aspect.reason}", resource, evidence)


def each_bucket(
    snapshot: S3Snapshot,
    judge: Callable[[BucketSnapshot], Finding],
    select: Callable[[BucketSnapshot], bool] | None = None,
    none_selected: str = "",
) -> list[Finding]:
    """One finding per tenant bucket `select` keeps, judged by `judge`, after the problems every
    bucket check shares: a failed discovery listing, declared buckets that do not exist."""
    findings: list[Finding] = []
    if snapshot.discover_prefix is not None:
        listing = unobservable(
            snapshot.listing,
            f"the bucket list (discovery of prefix {snapshot.discover_prefix!r})",
            snapshot.target,
            {"discover_prefix": snapshot.discover_prefix},
        )
        if listing is not None:
            findings.append(listing)
    chosen = [b for b in snapshot.buckets if select is None or select(b)]
    for b in chosen:
        if not b.exists:
            findings.append(
                Finding(
                    Status.error,
                    f"declared bucket {b.name} does not exist at {snapshot.endpoint} (NoSuchBucket): "
                    "correct the target's bucket list",
                    b.name,
                    bucket_evidence(b, observed=b.location.describe()),
                )
            )
        else:
            findings.append(judge(b))
    if not findings:
        reason = none_selected or "no bucket to evaluate"
        if not snapshot.buckets:
            where = f" and none matches prefix {snapshot.discover_prefix!r}" if snapshot.discover_prefix else ""
            reason = f"no bucket to evaluate: none declared{where}"
        findings.append(
            Finding(
                Status.not_applicable,
                reason,
                snapshot.target,
                {"buckets": [b.name for b in snapshot.buckets], "discover_prefix": snapshot.discover_prefix},
            )
        )
    return findings


def capped(items: Iterable[Any]) -> list[Any]:
    return list(items)[:EVIDENCE_LIST_CAP]


def names(items: list[str], limit: int = 5) -> str:
    """`a, b, c and 4 more` for messages."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown
