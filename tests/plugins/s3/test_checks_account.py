"""Account checks as pure functions of hand-built snapshots: CloudTrail, console MFA, access-key
age (measured from the snapshot's collection time), account public access block."""

from __future__ import annotations

from controlplane.results import Status
from hds_s3 import checks_access, checks_account
from hds_s3.snapshot import AccountSnapshot, Aspect
from tests.plugins.s3.helpers import check_ctx, snapshot

ARN = "arn:aws:cloudtrail:eu-west-3:111122223333:trail/t"


def _trail(multi: bool = True, validation: bool = True, status: Aspect | None = None) -> AccountSnapshot:
    trail = {"Name": "t", "TrailARN": ARN, "IsMultiRegionTrail": multi, "LogFileValidationEnabled": validation}
    return AccountSnapshot(
        account_id=Aspect.of("111122223333"),
        trails=Aspect.of([trail]),
        trail_status={ARN: status or Aspect.of({"IsLogging": True})},
    )


def test_cloudtrail_verdicts() -> None:
    cases = [
        (_trail(), Status.passed, "trail t logs every region"),
        (_trail(multi=False), Status.failed, "t: single-region"),
        (_trail(validation=False), Status.failed, "no log file validation"),
        (_trail(status=Aspect.of({"IsLogging": False})), Status.failed, "not logging"),
        (_trail(status=Aspect.denied("AccessDeniedException")), Status.error, "cannot read the status of trail t"),
        (AccountSnapshot(trails=Aspect.of([])), Status.failed, "no CloudTrail trail visible from eu-west-3"),
        (
            AccountSnapshot(trails=Aspect.unsupported("provider profile 'ovhcloud' has no cloudtrail API")),
            Status.not_applicable,
            "ovhcloud",
        ),
    ]
    for account, status, fragment in cases:
        [finding] = checks_account.cloudtrail(snapshot(account=account), check_ctx())
        assert finding.status is status and fragment in finding.message, finding


def test_account_findings_name_the_account() -> None:
    [finding] = checks_account.cloudtrail(snapshot(account=_trail()), check_ctx())
    assert finding.resource == "account 111122223333"


def _report(*rows: dict[str, str]) -> AccountSnapshot:
    return AccountSnapshot(
        credential_report=Aspect.of({"generated_at": "2026-06-01T00:00:00+00:00", "users": list(rows)})
    )


def _user(
    name: str, console: bool = True, mfa: bool = True, key1: str | None = None, key2: str | None = None
) -> dict[str, str]:
    return {
        "user": name,
        "password_enabled": "not_supported" if name == "<root_account>" else str(console).lower(),
        "mfa_active": str(mfa).lower(),
        "access_key_1_active": str(key1 is not None).lower(),
        "access_key_1_last_rotated": key1 or "N/A",
        "access_key_2_active": str(key2 is not None).lower(),
        "access_key_2_last_rotated": key2 or "N/A",
    }


def test_console_users_and_root_need_mfa() -> None:
    report = _report(_user("<root_account>", mfa=False), _user("alice"), _user("robot", console=False, mfa=False))
    [finding] = checks_account.console_mfa(snapshot(account=report), check_ctx())
    assert finding.status is Status.failed
    assert finding.evidence["without_mfa"] == ["<root_account>"] and finding.evidence["console_users"] == 2
    [ok] = checks_account.console_mfa(snapshot(account=_report(_user("alice"))), check_ctx())
    assert ok.status is Status.passed and "all 1 console users have MFA" in ok.message


def test_access_key_age_is_measured_at_collection_time() -> None:
    # The snapshot was collected on 2026-06-01.
    report = _report(
        _user("ci", console=False, key1="2026-01-01T00:00:00+00:00"), _user("app", key2="2026-05-20T00:00:00+00:00")
    )
    [finding] = checks_account.access_key_age(
        snapshot(account=report), check_ctx(params={"max_access_key_age_days": 90})
    )
    assert finding.status is Status.failed
    assert finding.evidence["too_old"] == [{"user": "ci", "key": 1, "age_days": 151.0}]
    [ok] = checks_account.access_key_age(snapshot(account=report), check_ctx(params={"max_access_key_age_days": 200}))
    assert ok.status is Status.passed and ok.evidence["oldest_days"] == 151.0


def test_an_active_key_without_a_date_counts_as_too_old() -> None:
    report = _report(_user("ci", key1="not_supported"))
    [finding] = checks_account.access_key_age(snapshot(account=report), check_ctx())
    assert finding.status is Status.failed


def test_credential_report_problems() -> None:
    for report, status in (
        (Aspect.denied("AccessDenied"), Status.error),
        (Aspect.error("the IAM credential report was not ready within 5s", transient=True), Status.error),
        (Aspect.unsupported("provider profile 'minio' has no iam API"), Status.not_applicable),
    ):
        account = AccountSnapshot(credential_report=report)
        for check in (checks_account.console_mfa, checks_account.access_key_age):
            [finding] = check(snapshot(account=account), check_ctx())
            assert finding.status is status


def test_account_public_access_block() -> None:
    flags = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    cases = [
        (Aspect.of(flags), Status.passed),
        (Aspect.of({**flags, "RestrictPublicBuckets": False}), Status.failed),
        (Aspect.missing("NoSuchPublicAccessBlockConfiguration"), Status.failed),
        (Aspect.denied("AccessDenied"), Status.error),
        (Aspect.unsupported("provider profile 'scaleway' has no s3control API"), Status.not_applicable),
    ]
    for pab, status in cases:
        account = AccountSnapshot(account_id=Aspect.of("111122223333"), public_access_block=pab)
        [finding] = checks_access.public_access_account(snapshot(account=account), check_ctx())
        assert finding.status is status, (pab, finding)
