"""Real local TLS servers as pytest fixtures (shared by TLS, CLI and report tests)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from hds_tls.demo.local_server import LocalCA, LocalTlsServer


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return LocalCA(tmp_path_factory.mktemp("tls-ca"))


@pytest.fixture(scope="session")
def tls_server(ca: LocalCA) -> Iterator:
    """Factory of real local TLS servers; all stopped at the end of the session."""
    servers: list[LocalTlsServer] = []

    def make(label: str, names: list[str], **kw) -> LocalTlsServer:
        cert_kw = {k: kw.pop(k) for k in ("days_valid", "not_before_days", "self_signed", "key") if k in kw}
        server = LocalTlsServer(ca.issue(label, names, **cert_kw), **kw).start()
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()


def target_for(server: LocalTlsServer, ca: LocalCA, name: str = "portail.test", **kw) -> dict:
    return {
        "name": "portail",
        "host": server.host,
        "port": server.port,
        "server_name": name,
        "ca_bundle": str(ca.ca_path),
        **kw,
    }


@pytest.fixture
def ca_bundle(ca: LocalCA) -> Path:
    return ca.ca_path
