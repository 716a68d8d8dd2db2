"""The checks on snapshots built by hand: the cases no mockup server needs (predicted failure,
RAID0, a missing lockout policy, an unreadable part, Secure Boot not in force, alpha-3 country
codes, version ordering)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controlplane.results import Status
from hds_redfish.findings import version_key
from hds_redfish.snapshot import BmcSnapshot, RedfishSnapshot
from tests.plugins.redfish.helpers import run_control, target

OK = {"State": "Enabled", "Health": "OK"}
T = target(["https://bmc.example"])


def _snap(**parts) -> RedfishSnapshot:
    return RedfishSnapshot("pool", datetime(2026, 12, 1, tzinfo=UTC), (BmcSnapshot("bmc:443", **parts),))


def _storage(drives, volumes) -> dict:
    system = {"path": "/redfish/v1/Systems/1", "model": "X", "serial": "1", "bios_version": "1", "status": OK}
    system.update(
        secure_boot=None,
        storage=[{"path": "/redfish/v1/Systems/1/Storage/1", "status": OK, "drives": drives, "volumes": volumes}],
    )
    return system


def _drive(name, **kw) -> dict:
    base = {
        "path": f"/redfish/v1/Systems/1/Storage/1/Drives/{name}",
        "status": OK,
        "failure_predicted": False,
        "encryption_ability": "SelfEncryptingDrive",
        "encryption_status": "Locked",
        "media_type": "HDD",
    }
    return {**base, **kw}


def _volume(raid, drives, status=OK) -> dict:
    return {
        "path": "/redfish/v1/Systems/1/Storage/1/Volumes/v",
        "raid_type": raid,
        "volume_type": None,
        "status": status,
        "drives": drives,
    }


def test_predicted_failure_and_raid0_fail_storage():
    d0, d1 = _drive("a", failure_predicted=True), _drive("b")
    snap = _snap(systems=(_storage([d0, d1], [_volume("RAID0", [d0["path"], d1["path"]])]),))
    [finding] = run_control("RF-02", snap, T)
    assert finding.status is Status.failed
    assert finding.message == "drive a predicts a failure; volume v is not redundant (RAID0)"


def test_only_data_bearing_drives_must_be_encrypted():
    data, spare = _drive("data"), _drive("spare", encryption_ability="None", encryption_status="Unencrypted")
    snap = _snap(systems=(_storage([data, spare], [_volume("RAID1", [data["path"]])]),))
    [finding] = run_control("RF-03", snap, T)
    assert finding.status is Status.passed
    assert [d["path"].rsplit("/", 1)[-1] for d in finding.evidence["data_drives"]] == ["data"]


def test_drives_reporting_no_encryption_are_not_applicable():
    bare = _drive("a", encryption_ability=None, encryption_status=None)
    [finding] = run_control("RF-03", _snap(systems=(_storage([bare], [_volume("RAID1", [bare["path"]])]),)), T)
    assert finding.status is Status.not_applicable
    assert "reports no drive encryption" in finding.message


def test_secure_boot_enabled_but_not_in_force_fails():
    system = {
        **_storage([], None),
        "secure_boot": {"SecureBootEnable": True, "SecureBootCurrentBoot": "Disabled", "SecureBootMode": "SetupMode"},
    }
    [finding] = run_control("RF-04", _snap(systems=(system,)), T)
    assert finding.status is Status.failed
    assert finding.message == "Secure Boot was not in force at the last boot (Disabled)"


def test_no_lockout_and_short_passwords_fail_accounts():
    accounts = {"policy": {"MinPasswordLength": 8, "AccountLockoutThreshold": 0}, "accounts": []}
    [finding] = run_control("RF-07", _snap(accounts=accounts), T)
    assert finding.status is Status.failed
    assert finding.message == (
        "minimum password length 8 (at least 12 required); "
        "no account lockout after failed logins (AccountLockoutThreshold 0 or absent)"
    )


def test_an_unreadable_part_is_an_error_never_a_pass():
    snap = _snap(part_errors={"accounts": "bmc:443: /redfish/v1/AccountService: HTTP 500"})
    [finding] = run_control("RF-07", snap, T)
    assert finding.status is Status.error and "HTTP 500" in finding.message


def test_power_supply_absent_slot_is_not_counted_but_a_failed_one_fails():
    chassis = {
        "path": "/redfish/v1/Chassis/1",
        "type": "RackMount",
        "status": OK,
        "location": None,
        "power": {
            "supplies": [
                {"name": "PSU1", "status": OK},
                {"name": "PSU2", "status": {"State": "Absent"}},
                {"name": "PSU3", "status": {"State": "Enabled", "Health": "Critical"}},
                {"name": "PSU4", "status": OK},
            ],
            "redundancy": [{"mode": "N+m", "min_needed": 1, "status": OK}],
        },
    }
    [finding] = run_control("RF-01", _snap(chassis=(chassis,)), T)
    assert finding.status is Status.failed and finding.message == "power supply PSU3 is Enabled/Critical"


@pytest.mark.parametrize(
    ("country", "status"), [("FRA", Status.passed), ("no", Status.passed), ("CH", Status.failed), ("GB", Status.failed)]
)
def test_country_codes(country, status):
    chassis = {
        "path": "/redfish/v1/Chassis/1",
        "type": "RackMount",
        "status": OK,
        "power": None,
        "location": {"country": country, "city": None},
    }
    [finding] = run_control("RF-10", _snap(chassis=(chassis,)), T)
    assert finding.status is status


def test_version_ordering():
    assert version_key("2.9.1") < version_key("2.10.0") < version_key("2.10.0a")
    assert version_key("7.00.00.00") == version_key("7.0.0.0")
