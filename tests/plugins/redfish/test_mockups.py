"""Every Redfish control over HTTPS against real sushy-static servers: the compliant mockup passes
all ten, each defective mockup fails exactly the control it is built to fail."""

from __future__ import annotations

import pytest

from controlplane.results import Status
from tests.plugins.redfish.conftest import DEFECTS
from tests.plugins.redfish.helpers import CONTROLS, collect, run_control, target, verdicts

FAILS = {
    "single-psu": "RF-01",
    "degraded-raid": "RF-02",
    "unencrypted-drive": "RF-03",
    "secure-boot-off": "RF-04",
    "old-firmware": "RF-05",
    "ipmi-on": "RF-06",
    "default-account": "RF-07",
    "self-signed": "RF-08",
    "no-event-subscription": "RF-09",
    "outside-eea": "RF-10",
}
EXPECTED = ["hds-audit", "ops-admin"]


def _bundle(bmcs, bmc_ca, mockup):
    """The self-signed BMC is trusted by its own certificate: the handshake verifies, so its
    credentials go and every other control is judged (see the tests at the end for the CA)."""
    return bmcs[mockup].cert if mockup == "self-signed" else bmc_ca.ca_path


def test_every_defect_mockup_is_mapped_to_its_control():
    assert set(DEFECTS) | {"self-signed"} == set(FAILS)


def test_compliant_server_passes_every_control(bmcs, bmc_ca):
    t = target([bmcs["compliant"].url], bmc_ca.ca_path, expected_accounts=EXPECTED)
    snap = collect(t)
    assert snap.bmcs[0].error is None
    assert verdicts(snap, t) == {c: {Status.passed} for c in CONTROLS}
    power = run_control("RF-01", snap, t)[0]
    assert power.message == "2 healthy power supplies, 1 needed (N+1)"
    assert power.resource == f"{bmcs['compliant'].url.removeprefix('https://')} Chassis/1"


@pytest.mark.parametrize("mockup", sorted(FAILS))
def test_defective_server_fails_exactly_its_control(bmcs, bmc_ca, mockup):
    t = target([bmcs[mockup].url], _bundle(bmcs, bmc_ca, mockup), expected_accounts=EXPECTED)
    snap = collect(t)
    got = verdicts(snap, t)
    failing = {c for c, statuses in got.items() if Status.failed in statuses}
    assert failing == {FAILS[mockup]}, got
    assert all(statuses == {Status.passed} for c, statuses in got.items() if c != FAILS[mockup]), got


@pytest.mark.parametrize(
    ("mockup", "control", "message"),
    [
        ("single-psu", "RF-01", "1 healthy power supply(ies) where N+1 needs 2"),
        ("degraded-raid", "RF-02", "drive Disk.1 is Enabled/Critical; volume 1 is Enabled/Warning"),
        ("unencrypted-drive", "RF-03", "drive Disk.1 is not self-encrypting (None)"),
        ("secure-boot-off", "RF-04", "Secure Boot is disabled (SecureBootEnable false)"),
        ("old-firmware", "RF-05", "BIOS firmware released 2019-03-01 is 2832 days old (max 730)"),
        ("ipmi-on", "RF-06", "IPMI is enabled on the BMC"),
        ("default-account", "RF-07", "default account 'root' is enabled"),
        ("self-signed", "RF-08", "the certificate is self-signed"),
        (
            "no-event-subscription",
            "RF-09",
            "no active subscription forwards the BMC's events (EventService Subscriptions)",
        ),
        ("outside-eea", "RF-10", "the chassis is declared in 'US', outside the EEA"),
    ],
)
def test_failure_names_the_defect(bmcs, bmc_ca, mockup, control, message):
    t = target([bmcs[mockup].url], _bundle(bmcs, bmc_ca, mockup), expected_accounts=EXPECTED)
    [finding] = run_control(control, collect(t), t)
    assert finding.status is Status.failed
    assert finding.message == message
    assert finding.evidence


def test_a_pool_is_judged_server_by_server(bmcs, bmc_ca):
    t = target([bmcs["compliant"].url, bmcs["single-psu"].url], bmc_ca.ca_path)
    findings = run_control("RF-01", collect(t), t)
    assert [f.status for f in findings] == [Status.passed, Status.failed]


def test_untrusted_bmc_gets_no_credentials_and_its_other_controls_error(bmcs, bmc_ca):
    """Verified with the CA bundle, the self-signed certificate fails: no password is sent, RF-08
    fails with the reason, every other control is an ERROR for that BMC (never a pass)."""
    t = target([bmcs["self-signed"].url], bmc_ca.ca_path)
    snap = collect(t)
    assert snap.bmcs[0].requests == 0
    assert "credentials not sent" in (snap.bmcs[0].error or "")
    [cert] = run_control("RF-08", snap, t)
    assert cert.status is Status.failed
    assert cert.message == "the certificate is not trusted: self-signed certificate; the certificate is self-signed"
    assert all(verdicts(snap, t)[c] == {Status.error} for c in CONTROLS if c != "RF-08")


def test_minimum_version_per_model(bmcs, bmc_ca):
    t = target(
        [bmcs["compliant"].url],
        bmc_ca.ca_path,
        firmware={"min_versions": {"HDS-R2": {"bios": "2.20.0", "bmc": "7.10.3"}}},
    )
    [finding] = run_control("RF-05", collect(t), t)
    assert finding.status is Status.failed
    assert finding.message == "BIOS 2.19.1 is older than the minimum 2.20.0"


def test_undeclared_enabled_account_fails(bmcs, bmc_ca):
    t = target([bmcs["compliant"].url], bmc_ca.ca_path, expected_accounts=["hds-audit"])
    [finding] = run_control("RF-07", collect(t), t)
    assert finding.status is Status.failed
    assert finding.message == "account 'ops-admin' is enabled but not declared (expected_accounts)"


def test_no_secret_in_snapshot_or_findings(bmcs, bmc_ca):
    t = target([bmcs["compliant"].url, bmcs["self-signed"].url], bmc_ca.ca_path)
    snap = collect(t)
    text = repr(snap) + repr([run_control(c, snap, t) for c in CONTROLS])
    assert "s3cret-BMC-pass" not in text
