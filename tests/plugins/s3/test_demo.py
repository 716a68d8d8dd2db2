"""The S3 part of `hdsctl demo`: one account per demo tenant on the local endpoint, credentials by
reference, and results that follow each tenant's profile."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from controlplane.demo import DEMO_TENANTS, fleet_document
from controlplane.demo_context import DemoContext
from controlplane.plugins import PluginRegistry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_s3.demo import demo_setup

S3_CONTROLS = [f"S3-{n:02d}" for n in range(1, 14)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoContext]:
    """Once per module: moto keeps its state per process, and the demo's bucket names are fixed."""
    with ExitStack() as stack:
        workdir = tmp_path_factory.mktemp("demo")
        ctx = DemoContext(workdir=workdir, stack=stack, tenants=[t for t, _, _ in DEMO_TENANTS])
        demo_setup(ctx)
        yield ctx


def test_each_tenant_gets_a_target_with_credential_references(demo: DemoContext) -> None:
    assert set(demo.targets) == {t.id for t, _, _ in DEMO_TENANTS}
    for tenant_id, kinds in demo.targets.items():
        [entry] = kinds["s3"]
        assert entry["endpoint_url"].startswith("http://127.0.0.1:")
        key_ref = entry["credentials"]["secret_access_key"]["env"]
        assert key_ref in demo.env and tenant_id.upper().replace("-", "_") in key_ref
        assert demo.env[key_ref] not in json.dumps(entry)


def test_demo_results_follow_the_profiles(
    demo: DemoContext, tmp_path: Path, registry: PluginRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in demo.env.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet_document(demo), sort_keys=False), encoding="utf-8")
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepare(config, control_ids=S3_CONTROLS, registry=registry), store)
        results = list(store.results(outcome.run_id))
    finally:
        store.close()
    by_tenant: dict[str, set[str]] = {}
    for r in results:
        by_tenant.setdefault(r["tenant"], set()).add(r["status"])
    assert by_tenant["clinique-sud"] <= {"pass", "not_applicable"}
    assert {"pass", "fail"} <= by_tenant["hopital-nord"]
    failing = {r["control"] for r in results if r["tenant"] == "labo-est" and r["status"] == "fail"}
    assert {"S3-01", "S3-03", "S3-04", "S3-08", "S3-10", "S3-11", "S3-12"} <= failing
    assert "error" not in {r["status"] for r in results}


def test_without_moto_the_demo_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "moto" else find_spec(name, *a))
    with ExitStack() as stack:
        ctx = DemoContext(workdir=tmp_path, stack=stack, tenants=[t for t, _, _ in DEMO_TENANTS])
        demo_setup(ctx)
    assert ctx.targets == {} and ctx.env == {}
    assert any(".[demo]" in note for note in ctx.notes)
    assert not any(k.startswith("HDS_DEMO_S3") for k in os.environ)
