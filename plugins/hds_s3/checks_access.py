"""Access restriction (ISO 27001:2022 A.5.15, A.8.3): no public access to tenant buckets (S3-04),
and the account-wide public access block where the endpoint has one (S3-05). Pure functions."""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.policy import public_grants, public_statements
from hds_s3.snapshot import AspectState, BucketSnapshot, S3Snapshot
from hds_s3.verdicts import bucket_evidence, each_bucket, unobservable

BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _flags_off(flags: dict[str, Any]) -> list[str]:
    return [f for f in BLOCK_FLAGS if not flags.get(f)]


def account_resource(s: S3Snapshot) -> str:
    account = s.account.account_id
    return f"account {account.value}" if account.ok else s.target


@check("s3.public_access_bucket", "s3", "no public bucket access")
def public_access_bucket(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-04: all four public-access-block flags on the bucket, and no ACL grant or policy
    statement opening it to everyone (a grant neutralised by the block still fails: it becomes
    effective the day the block is lifted)."""

    def judge(b: BucketSnapshot) -> Finding:
        evidence = bucket_evidence(b, public_access_block=b.public_access_block.describe())
        for aspect, what in ((b.acl, "the bucket ACL"), (b.policy, "the bucket policy")):
            problem = unobservable(aspect, what, b.name, evidence)
            if problem is not None:
                return problem
        problems: list[str] = []
        note = ""
        pab = b.public_access_block
        if pab.state is AspectState.unsupported:
            note = f" (no bucket public access block here: {pab.reason}; judged on ACL and policy)"
        else:
            problem = unobservable(pab, "the bucket's public access block", b.name, evidence)
            if problem is not None:
                return problem
            if not pab.ok:
                problems.append("no public access block on the bucket")
            elif off := _flags_off(pab.value):
                problems.append(f"public access block off: {', '.join(off)}")
        grants = public_grants(b.acl.value["grants"])
        evidence["public_acl_grants"] = grants
        if grants:
            problems.append(f"ACL grants {'; '.join(grants)}")
        statements = public_statements(b.policy.value) if b.policy.ok else []
        evidence["public_policy_statements"] = statements
        if statements:
            sids = ", ".join(str(st.get("Sid") or "(no Sid)") for st in statements)
            problems.append(f"policy statement {sids} allows everyone")
        if problems:
            return Finding(Status.failed, "; ".join(problems), b.name, evidence)
        message = "no public ACL grant or policy statement"
        if not note:
            message = f"public access blocked (all four flags on), {message}"
        return Finding(Status.passed, message + note, b.name, evidence)

    return each_bucket(s, judge)


@check("s3.public_access_account", "s3", "account public block")
def public_access_account(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-05: the account-level public access block (S3 Control) has all four flags on."""
    resource = account_resource(s)
    pab = s.account.public_access_block
    evidence: dict[str, Any] = {"account": s.account.account_id.describe(), "endpoint": s.endpoint}
    problem = unobservable(pab, "the account-level public access block", resource, evidence)
    if problem is not None:
        return [problem]
    if pab.state is AspectState.missing:
        evidence["public_access_block"] = pab.describe()
        return [Finding(Status.failed, "no account-level public access block", resource, evidence)]
    evidence["public_access_block"] = pab.value
    off = _flags_off(pab.value)
    if off:
        return [Finding(Status.failed, f"account-level public access block off: {', '.join(off)}", resource, evidence)]
    return [Finding(Status.passed, "account-level public access block: all four flags on", resource, evidence)]
