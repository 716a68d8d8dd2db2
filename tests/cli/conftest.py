from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fleet import tenant, write_fleet


def hdsctl(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120):
    """Run the real `hdsctl` console script in a subprocess (as an operator would)."""
    exe = Path(sys.executable).with_name("hdsctl")
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(exe), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def tls_fleet(tmp_path, tls_server, ca):
    """Two tenants on real local TLS servers: one good, one expired + wrong name."""
    good = tls_server("cli-good", ["good.test"])
    bad = tls_server("cli-bad", ["other.test"], days_valid=-1, not_before_days=30)

    def target(server, name):
        return {
            "name": "web",
            "host": "127.0.0.1",
            "port": server.port,
            "server_name": name,
            "ca_bundle": str(ca.ca_path),
        }

    return write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("alpha", [4, 5], {"tls": [target(good, "good.test")]}),
            tenant("beta", [4], {"tls": [target(bad, "bad.test")]}),
        ],
        {"workers": 4, "collect_timeout_s": 5, "check_timeout_s": 5},
    )
