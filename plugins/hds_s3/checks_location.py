"""Data location (HDS v2 EXI 28; ISO 27001:2022 A.5.23, A.5.34): every tenant bucket, and every
replica of it, is in an allowed region: by default the provider's regions inside the European
Economic Area (S3-10). Pure function of an S3Snapshot."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.snapshot import NOT_COLLECTED, AspectState, BucketSnapshot, S3Snapshot
from hds_s3.verdicts import bucket_evidence, each_bucket, unobservable


@check("s3.data_location", "s3", "buckets and replicas in the EEA")
def data_location(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    if not s.allowed_regions:
        return [
            Finding(
                Status.error,
                f"no list of allowed regions for provider {s.provider!r}: set allowed_regions on target {s.target}",
                s.target,
                {"provider": s.provider, "allowed_regions": []},
            )
        ]
    allowed = set(s.allowed_regions)

    def judge(b: BucketSnapshot) -> Finding:
        evidence: dict[str, Any] = bucket_evidence(
            b, allowed_regions=list(s.allowed_regions), allowed_regions_source=s.allowed_regions_source
        )
        problem = unobservable(b.location, "the bucket's location", b.name, evidence)
        if problem is not None:
            return problem
        region = b.location.value
        evidence["region"] = region
        problems = [] if region in allowed else [f"stored in {region}, outside the allowed regions"]
        replicas: list[dict[str, Any]] = []
        unknown: list[str] = []
        for name in b.replica_buckets():
            replica = s.bucket(name)
            where = replica.location if replica is not None else NOT_COLLECTED
            replicas.append({"bucket": name, "location": where.describe()})
            if where.ok and where.value not in allowed:
                problems.append(f"replicated to {name} in {where.value}, outside the allowed regions")
            elif not where.ok and where.state is not AspectState.missing:
                unknown.append(f"{name} ({where.reason})")
        evidence["replicas"] = replicas
        if problems:
            return Finding(Status.failed, "; ".join(problems), b.name, evidence)
        if unknown:
            return Finding(
                Status.error, f"cannot read the location of replica bucket {', '.join(unknown)}", b.name, evidence
            )
        seen = [r["location"]["value"] for r in replicas if "value" in r["location"]]
        copies = f", replicas in {', '.join(seen)}" if seen else ""
        return Finding(Status.passed, f"stored in {region}{copies} (allowed)", b.name, evidence)

    return each_bucket(s, judge)
