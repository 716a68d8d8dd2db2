"""A fleet that needs no endpoint: tenants of the physical activities (1, 2) on two sites, and
one that also contracts activity 3 with no target. Runs go through the real CLI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from controlplane.cli.main import cli
from controlplane.store import EvidenceStore


@dataclass
class Env:
    root: Path
    config: Path
    store: Path
    doc: Path

    def hdsctl(self, *args: str, now: str | None = None) -> Result:
        env = {"HDS_NOW": now, "HDS_NOTIFY_URL": None, "OTEL_EXPORTER_OTLP_ENDPOINT": None, "HDS_DOCUMENTS": None}
        return CliRunner().invoke(cli, list(args), env=env)

    def run(self, *args: str, now: str | None = None) -> Result:
        return self.hdsctl("run", "-c", str(self.config), "--store", str(self.store), *args, now=now)

    def attest(self, control: str, *args: str, now: str | None = None) -> Result:
        return self.hdsctl(
            "attest", control, "-c", str(self.config), "--store", str(self.store), "--by", "Claire Martin (RSSI)",
            "--document", str(self.doc), *args, now=now,
        )  # fmt: skip

    def latest_results(self, tenant: str | None = None) -> list[dict[str, Any]]:
        store = EvidenceStore.open(str(self.store), create=False)
        try:
            run = next(r for r in store.list_runs(1000) if r.status == "completed")
            return list(store.results(run.run_id, tenant))
        finally:
            store.close()


def write_fleet(path: Path, extra: list[dict[str, Any]] | None = None) -> Path:
    tenants = [
        {
            "id": "clinique",
            "name": "Clinique",
            "activities": [1, 2],
            "sites": ["dc-paris"],
            "contract": {"rpo_hours": 24, "rto_hours": 4},
        },
        {
            "id": "labo",
            "name": "Laboratoire",
            "activities": [1, 2],
            "sites": ["dc-lyon"],
            "contract": {"rpo_hours": 24, "rto_hours": 4},
        },
        *(extra or []),
    ]
    path.write_text(yaml.safe_dump({"version": 1, "tenants": tenants}), encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> Env:
    doc = tmp_path / "certificat-datacenter.pdf"
    doc.write_bytes(b"%PDF-1.4 certificat ISO 27001 du datacenter\n")
    return Env(tmp_path, write_fleet(tmp_path / "hds.yaml"), tmp_path / "ev.sqlite", doc)


def by_control(results: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["tenant"], r["control"]): r for r in results}


def dump(result: Result) -> str:
    return json.dumps({"code": result.exit_code, "out": result.output[-3000:]})
