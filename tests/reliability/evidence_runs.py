"""Real runs of `hdsctl run` (in-process, click's runner) into a real SQLite store, sealed and
anchored, for the attacks on the store: a two-tenant fleet whose TLS targets point at a closed
port on 127.0.0.1, so every check ends fast (an `error` result) and the evidence is real."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner, Result

from controlplane.cli.main import cli
from controlplane.evidence import generate_key
from tests.support.fleet import tenant, write_fleet

TENANTS = ("clinique-alpha", "hopital-beta")


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_closed_fleet(path: Path, tenants: tuple[str, ...] = TENANTS) -> Path:
    port = closed_port()
    target = {"name": "portail", "host": "127.0.0.1", "port": port, "server_name": "portail.test"}
    return write_fleet(
        path,
        [tenant(t, [5], {"tls": [dict(target)]}) for t in tenants],
        {"retries": 0, "collect_timeout_s": 10, "workers": 2},
    )


def hdsctl(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


class Runs:
    """A store, a signing key and a fleet in `workdir`; `run()` sweeps, seals and anchors."""

    def __init__(self, workdir: Path, witness: str | None = None) -> None:
        self.workdir = workdir
        self.store = workdir / "evidence.sqlite"
        self.key, self.public_key, self.key_id = generate_key(workdir / "seal.key")
        self.fleet = write_closed_fleet(workdir / "hds.yaml")
        self.witness = witness
        self.run_ids: list[str] = []

    def run(self, *extra: str, sealed: bool = True) -> Result:
        args = ["run", "-c", str(self.fleet), "--store", str(self.store), "--format", "json", *extra]
        if sealed:
            args += ["--signing-key", str(self.key)]
        if self.witness:
            args += ["--witness", self.witness]
        out = hdsctl(*args)
        assert out.exit_code == 1, (out.exit_code, out.output, out.exception)  # every check errors: exit 1
        import json

        self.run_ids.append(json.loads(out.stdout)["run_id"])
        return out

    def verify(self, *extra: str) -> Result:
        args = ["evidence", "verify", "--store", str(self.store), "--public-key", str(self.public_key), *extra]
        return hdsctl(*args)
