"""A real two-tenant fleet, swept twice against local TLS servers and sealed: the evidence that
the evidence, report and CLI tests read and tamper with.

Tenant alpha changes between the runs (same endpoint, different fleet settings), so the second
run has a fixed finding (TLS-03), a new failure (TLS-04) and a still-failing one (TLS-01). Tenant
beta is badly configured throughout; its id, name, target and host names are distinctive strings
that must never show up in anything produced for alpha.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from controlplane.evidence import generate_key, seal_run
from controlplane.plugins import PluginRegistry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_tls.demo.local_server import LocalCA, LocalTlsServer
from tests.support.fleet import write_fleet

ALPHA = "clinique-alpha"
ALPHA_NAME = "Clinique Alpha"
BETA = "hopital-beta"
BETA_NAME = "Hôpital Bêta"
BETA_MARKERS = (BETA, BETA_NAME, "extranet-beta", "extranet.beta.test", "autre.beta.test")
"""Strings that identify tenant beta's data."""

TLS_CONTROLS = tuple(f"TLS-0{n}" for n in range(1, 6))
"""Only the TLS controls run: other plugins' controls would make the evidence depend on them."""
FAST = {"workers": 4, "collect_timeout_s": 10, "check_timeout_s": 5, "retries": 0}


@dataclass(frozen=True)
class SweptFleet:
    store_path: Path
    """The swept store. Read it, never change it: copy it with `copy_store` first."""
    runs: tuple[str, str]
    config_path: Path
    """The fleet file of the second run (tenant names and contracted activities)."""
    key_path: Path
    public_key_path: Path
    key_id: str

    def copy_store(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        dest = directory / self.store_path.name
        shutil.copyfile(self.store_path, dest)
        return dest


def _fleet(path: Path, ca: LocalCA, alpha: LocalTlsServer, beta: LocalTlsServer, second: bool) -> Path:
    alpha_target = {
        "name": "portail-alpha",
        "host": alpha.host,
        "port": alpha.port,
        "server_name": "portail.alpha.test" if second else "ancien.alpha.test",
        "ca_bundle": str(ca.ca_path),
    }
    beta_target = {
        "name": "extranet-beta",
        "host": beta.host,
        "port": beta.port,
        "server_name": "extranet.beta.test",
        "ca_bundle": str(ca.ca_path),
    }
    return write_fleet(
        path,
        [
            {
                "id": ALPHA,
                "name": ALPHA_NAME,
                "activities": [3, 4, 5, 6],
                "contract": {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365},
                "parameters": {"TLS-04": {"min_days_before_expiry": 30 if second else 10}},
                "targets": {"tls": [alpha_target]},
            },
            {
                "id": BETA,
                "name": BETA_NAME,
                "activities": [4, 5],
                "contract": {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365},
                "targets": {"tls": [beta_target]},
            },
        ],
        FAST,
    )


def sweep_fleet(workdir: Path, registry: PluginRegistry) -> SweptFleet:
    """Two sealed runs of the two-tenant fleet into `workdir`/evidence.sqlite."""
    workdir.mkdir(parents=True, exist_ok=True)
    key_path, pub_path, kid = generate_key(workdir / "signing.key")
    ca = LocalCA(workdir / "tls")
    alpha_cert = ca.issue("alpha", ["portail.alpha.test"], days_valid=20)
    beta_cert = ca.issue("beta", ["autre.beta.test"], days_valid=-3, not_before_days=400, self_signed=True, key="rsa")
    store_path = workdir / "evidence.sqlite"
    runs: list[str] = []
    with (
        LocalTlsServer(alpha_cert, min_version="TLSv1") as alpha,
        LocalTlsServer(beta_cert, min_version="TLSv1", max_version="TLSv1_2", ciphers="AES128-SHA:@SECLEVEL=0") as beta,
    ):
        for second in (False, True):
            config = _fleet(workdir / f"hds-{len(runs) + 1}.yaml", ca, alpha, beta, second)
            store = EvidenceStore.open(str(store_path))
            try:
                outcome = execute(prepare(config, control_ids=TLS_CONTROLS, registry=registry), store)
                seal_run(store, outcome.run_id, key_path)
            finally:
                store.close()
            runs.append(outcome.run_id)
    return SweptFleet(store_path, (runs[0], runs[1]), config, key_path, pub_path, kid)
