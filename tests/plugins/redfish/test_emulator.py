"""The basic path against sushy-emulator's fake driver (a Flask Redfish service with Systems,
Chassis, Managers, UpdateService, and 404 for AccountService and EventService): what the
emulator exposes is judged, what it lacks is not_applicable with the reason, its HTTP 500 on
Storage is an ERROR naming it, never a pass."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from controlplane.results import Status
from hds_redfish.demo.server import free_port, sushy_tools_installed
from tests.plugins.redfish.helpers import collect, run_control, target


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, bmc_ca) -> Iterator[str]:
    if not sushy_tools_installed():
        pytest.fail("sushy-tools is not installed: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("emulator")
    cert, key = bmc_ca.issue("emulator")
    port = free_port()
    config = work / "emulator.conf"
    config.write_text(
        "SUSHY_EMULATOR_FAKE_DRIVER = True\n"
        "SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'\n"
        f"SUSHY_EMULATOR_LISTEN_PORT = {port}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(work / 'state')!r}\n"
        f"SUSHY_EMULATOR_SSL_CERT = {str(cert)!r}\n"
        f"SUSHY_EMULATOR_SSL_KEY = {str(key)!r}\n",
        encoding="utf-8",
    )
    code = "import sys; from sushy_tools.emulator.main import main; sys.argv[1:] = ['--config', sys.argv[1]]; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import socket
        import time

        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "sushy-emulator exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "sushy-emulator did not listen within 60 s"
                time.sleep(0.1)
        yield f"https://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def judged(emulator, bmc_ca):
    t = target([emulator], bmc_ca.ca_path)
    snap = collect(t)
    assert snap.bmcs[0].error is None, snap.bmcs[0].error
    return {c: run_control(c, snap, t) for c in ("RF-01", "RF-02", "RF-04", "RF-06", "RF-07", "RF-08", "RF-09")}


def test_secure_boot_of_the_fake_system_is_read_and_fails(judged):
    [finding] = judged["RF-04"]
    assert finding.status is Status.failed
    assert finding.message == "Secure Boot is disabled (SecureBootEnable false)"
    assert finding.resource.endswith("Systems/27946b59-9e44-4fa7-8e91-f3527a1ef094")


def test_certificate_verified_with_the_bundle(judged):
    [finding] = judged["RF-08"]
    assert finding.status is Status.passed and finding.evidence["tls"]["verified"] is True


@pytest.mark.parametrize(
    ("control", "reason"),
    [
        ("RF-07", "the BMC exposes no AccountService"),
        ("RF-09", "the BMC exposes no EventService"),
        ("RF-01", "the BMC exposes no power supplies (Chassis Power or PowerSubsystem)"),
        ("RF-06", "the BMC exposes no network protocol settings (Managers NetworkProtocol)"),
    ],
)
def test_what_the_emulator_lacks_is_not_applicable_with_the_reason(judged, control, reason):
    [finding] = judged[control]
    assert finding.status is Status.not_applicable
    assert finding.message == reason


def test_a_server_error_on_storage_is_an_error_naming_it(judged):
    [finding] = judged["RF-02"]
    assert finding.status is Status.error
    assert "Storage: HTTP 500" in finding.message
