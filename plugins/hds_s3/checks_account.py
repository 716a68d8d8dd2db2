"""Account-level controls, where the endpoint is AWS: CloudTrail (S3-11, A.8.15), MFA for console
users (S3-12, A.8.5) and access-key age (S3-13, A.5.17). Ages are measured from the
collection time kept in the snapshot, so a check gives the same verdict on the same snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_s3.checks_access import account_resource
from hds_s3.snapshot import S3Snapshot
from hds_s3.verdicts import capped, names, unobservable

ROOT_USER = "<root_account>"


@check("s3.cloudtrail", "s3", "CloudTrail multi-region, validated")
def cloudtrail(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-11: a trail that records every region, with log file validation, currently logging."""
    resource = account_resource(s)
    trails = s.account.trails
    evidence: dict[str, Any] = {"region": s.region}
    problem = unobservable(trails, "the CloudTrail trails", resource, evidence)
    if problem is not None:
        return [problem]
    if not trails.value:
        evidence["trails"] = []
        return [Finding(Status.failed, f"no CloudTrail trail visible from {s.region}", resource, evidence)]
    judged = []
    failing: list[str] = []
    unreadable: list[str] = []
    for trail in trails.value:
        status = s.account.trail_status.get(trail["TrailARN"])
        judged.append({**trail, "status": status.describe() if status else None})
        gaps = []
        if not trail.get("IsMultiRegionTrail"):
            gaps.append("single-region")
        if not trail.get("LogFileValidationEnabled"):
            gaps.append("no log file validation")
        if status is not None and status.ok and not status.value.get("IsLogging"):
            gaps.append("not logging")
        if gaps:
            failing.append(f"{trail['Name']}: {', '.join(gaps)}")
        elif status is None or not status.ok:
            unreadable.append(f"{trail['Name']} ({status.reason if status else 'status not collected'})")
        else:
            evidence["trails"] = [judged[-1]]
            message = f"trail {trail['Name']} logs every region, with log file validation, and is logging"
            return [Finding(Status.passed, message, resource, evidence)]
    evidence["trails"] = judged
    if unreadable:
        return [Finding(Status.error, f"cannot read the status of trail {'; '.join(unreadable)}", resource, evidence)]
    return [Finding(Status.failed, f"no compliant trail ({'; '.join(failing)})", resource, evidence)]


def _report(s: S3Snapshot, resource: str) -> tuple[list[dict[str, str]], dict[str, Any], Finding | None]:
    report = s.account.credential_report
    evidence: dict[str, Any] = {}
    problem = unobservable(report, "the IAM credential report", resource, evidence)
    if problem is not None:
        return [], evidence, problem
    evidence["credential_report_generated_at"] = report.value.get("generated_at")
    return list(report.value.get("users", [])), evidence, None


@check("s3.console_mfa", "s3", "console users have MFA")
def console_mfa(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-12: every user who can sign in to the console (the root user included) has MFA."""
    resource = account_resource(s)
    users, evidence, problem = _report(s, resource)
    if problem is not None:
        return [problem]
    console = [u for u in users if u.get("user") == ROOT_USER or u.get("password_enabled") == "true"]
    without = [u["user"] for u in console if u.get("mfa_active") != "true"]
    evidence.update(
        console_users=len(console),
        console_users_listed=capped({"user": u["user"], "mfa_active": u.get("mfa_active")} for u in console),
        without_mfa=capped(without),
    )
    if without:
        return [
            Finding(
                Status.failed,
                f"{len(without)} of {len(console)} console users without MFA: {names(without)}",
                resource,
                evidence,
            )
        ]
    if not console:
        return [Finding(Status.passed, "no user can sign in to the console with a password", resource, evidence)]
    return [Finding(Status.passed, f"all {len(console)} console users have MFA", resource, evidence)]


def _age_days(rotated: str, now: datetime) -> float | None:
    try:
        when = datetime.fromisoformat(rotated)
    except ValueError:
        return None  # "N/A" or "not_supported"
    return (now - when).total_seconds() / 86400


@check("s3.access_key_age", "s3", "access keys not too old")
def access_key_age(s: S3Snapshot, ctx: CheckContext) -> list[Finding]:
    """S3-13: no active access key older than `max_access_key_age_days`."""
    max_age = float(ctx.params.get("max_access_key_age_days", 90))
    resource = account_resource(s)
    users, evidence, problem = _report(s, resource)
    if problem is not None:
        return [problem]
    keys: list[tuple[float | None, dict[str, Any]]] = []
    for u in users:
        for slot in ("1", "2"):
            if u.get(f"access_key_{slot}_active") != "true":
                continue
            age = _age_days(u.get(f"access_key_{slot}_last_rotated", ""), s.collected_at)
            shown = None if age is None else round(age, 1)
            keys.append((age, {"user": u["user"], "key": int(slot), "age_days": shown}))
    # A key whose creation date cannot be read counts as too old: it cannot be shown to be young.
    old = [k for age, k in keys if age is None or age > max_age]
    evidence.update(
        max_access_key_age_days=max_age,
        measured_at=s.collected_at.isoformat(),
        active_keys=len(keys),
        too_old=capped(old),
    )
    if old:
        described = [f"{k['user']} key {k['key']} ({k['age_days']} days)" for k in old]
        return [
            Finding(
                Status.failed,
                f"{len(old)} active access key(s) older than {max_age:g} days: {names(described)}",
                resource,
                evidence,
            )
        ]
    if not keys:
        return [Finding(Status.passed, "no active access key", resource, evidence)]
    oldest = max(k["age_days"] for _, k in keys)
    evidence["oldest_days"] = oldest
    return [
        Finding(
            Status.passed,
            f"{len(keys)} active access key(s), the oldest {oldest:g} days old (limit {max_age:g})",
            resource,
            evidence,
        )
    ]
