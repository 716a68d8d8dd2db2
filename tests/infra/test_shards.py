"""`hdsctl run --shard I/N`, as each pod of the Indexed Job runs it: over a fleet of tenants
with no targets (every control not_applicable, nothing to reach), the N shards together cover
every tenant exactly once, into one shared store."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.store import EvidenceStore
from tests.support.governance import attest_all

TENANTS = [f"clinique-{n:02d}" for n in range(23)]
HDSCTL = str(Path(sys.executable).with_name("hdsctl"))


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shards") / "hds.yaml"
    fleet = {
        "version": 1,
        "tenants": [
            {"id": t, "name": t, "activities": [3, 4, 5], "contract": {"rpo_hours": 24, "rto_hours": 4}, "targets": {}}
            for t in TENANTS
        ],
    }
    path.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    return path


def stored_runs(store: Path) -> list[tuple[list[str], Counter[str]]]:
    """(tenants in scope, results per tenant) of every run in the store."""
    s = EvidenceStore.open(str(store), create=False)
    try:
        sweeps = [r for r in s.list_runs(1000) if r.status != "recorded"]  # not the attestations
        return [(r.tenants, Counter(x["tenant"] for x in s.results(r.run_id))) for r in sweeps]
    finally:
        s.close()


def assert_exact_cover(runs: list[tuple[list[str], Counter[str]]], n: int, per_tenant: int) -> None:
    assert len(runs) == n
    scoped = Counter(t for tenants, _ in runs for t in tenants)
    assert scoped == Counter(TENANTS), "every tenant in exactly one shard"
    results = Counter()
    for tenants, counts in runs:
        assert set(counts) == set(tenants), "a shard stores results only for its own tenants"
        results.update(counts)
    assert results == Counter(dict.fromkeys(TENANTS, per_tenant)), "each tenant's results stored exactly once"


@pytest.fixture(scope="module")
def results_per_tenant(fleet_file: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    store = tmp_path_factory.mktemp("unsharded") / "e.sqlite"
    attest_all(fleet_file, store)  # the tenants' attested controls vouched for: the runs pass
    result = CliRunner().invoke(cli, ["run", "-c", str(fleet_file), "--store", str(store)])
    assert result.exit_code == 0, result.output
    ((tenants, counts),) = stored_runs(store)
    assert sorted(tenants) == TENANTS and len(set(counts.values())) == 1
    return next(iter(counts.values()))


@pytest.mark.parametrize("n", [1, 2, 4, 7])
def test_the_shards_cover_the_fleet_exactly_once(n: int, fleet_file: Path, tmp_path: Path, results_per_tenant: int):
    store = tmp_path / "e.sqlite"
    attest_all(fleet_file, store)
    for i in range(n):
        result = CliRunner().invoke(cli, ["run", "-c", str(fleet_file), "--store", str(store), "--shard", f"{i}/{n}"])
        assert result.exit_code == 0, result.output
    assert_exact_cover(stored_runs(store), n, results_per_tenant)


def test_the_installed_hdsctl_shards_as_the_indexed_job_pods_do(
    fleet_file: Path, tmp_path: Path, results_per_tenant: int
):
    """Three processes of the real `hdsctl` executable, one per completion index."""
    store = tmp_path / "e.sqlite"
    attest_all(fleet_file, store)
    seen = []
    for index in range(3):
        proc = subprocess.run(
            [HDSCTL, "run", "-c", str(fleet_file), "--store", str(store), "--shard", f"{index}/3", "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        seen.append({r["tenant"] for r in json.loads(proc.stdout)["results"]})
    assert_exact_cover(stored_runs(store), 3, results_per_tenant)
    assert sorted(t for shard in seen for t in shard) == TENANTS
    assert all(seen), "23 tenants over 3 shards: no shard should be empty"


@pytest.mark.parametrize("shard", ["3/3", "-1/3", "0/0", "a/b", "1"])
def test_a_bad_shard_is_refused_before_anything_is_written(shard: str, fleet_file: Path, tmp_path: Path):
    store = tmp_path / "e.sqlite"
    result = CliRunner().invoke(cli, ["run", "-c", str(fleet_file), "--store", str(store), "--shard", shard])
    assert result.exit_code == 2
    assert result.stderr.startswith("hdsctl: error: --shard: ")
    assert not store.exists()
