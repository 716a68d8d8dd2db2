"""Real Redfish servers for the plugin's tests: one sushy-static per mockup tree (the compliant
one, or the compliant one with a defect's overlay), over TLS from a local CA, started side by
side once per test module and stopped after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hds_redfish.demo.certs import BmcCA
from hds_redfish.demo.mockup_tree import compose
from hds_redfish.demo.server import LocalRedfishServer, sushy_tools_installed

MOCKUPS = Path(__file__).with_name("mockups")
COMPLIANT = MOCKUPS / "compliant"
DEFECTS = sorted(p.name for p in MOCKUPS.iterdir() if p.is_dir() and p.name != "compliant")


@pytest.fixture(scope="module")
def bmc_ca(tmp_path_factory) -> BmcCA:
    return BmcCA(tmp_path_factory.mktemp("bmc-ca"))


@pytest.fixture(scope="module")
def bmcs(tmp_path_factory, bmc_ca) -> Iterator[dict[str, LocalRedfishServer]]:
    """{mockup name: running server}: 'compliant' and every defect, plus 'self-signed' (the
    compliant tree behind a self-signed certificate)."""
    if not sushy_tools_installed():
        pytest.fail("sushy-tools is not installed: pip install -e '.[test]'")
    root = tmp_path_factory.mktemp("mockups")
    servers: dict[str, LocalRedfishServer] = {}
    try:
        for name in ["compliant", *DEFECTS, "self-signed"]:
            overlays = [MOCKUPS / name] if name in DEFECTS else []
            tree = compose(root / name, COMPLIANT, overlays)
            cert, key = bmc_ca.issue(name, self_signed=name == "self-signed")
            servers[name] = LocalRedfishServer(tree, cert, key).start()
        for server in servers.values():
            server.wait_ready()
        yield servers
    finally:
        for server in servers.values():
            server.stop()
