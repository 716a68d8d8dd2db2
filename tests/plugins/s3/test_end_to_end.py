"""S3 targets through the real scheduler: hds.yaml written to disk, `runner.prepare/execute`,
results in an EvidenceStore — with pass and fail, one read per bucket aspect whatever the number
of controls, and no secret in what is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane.plugins import PluginRegistry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_s3.demo.local_endpoint import LocalS3Endpoint
from hds_s3.demo.local_fleet import AccountPlan, BucketPlan, create_kms_key, provision_account, provision_buckets
from tests.plugins.s3.helpers import SUBRESOURCES, s3_reads, unique

S3_CONTROLS = [f"S3-{n:02d}" for n in range(1, 14)]


def _target(endpoint: LocalS3Endpoint, prefix: str, env: str, buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "stockage-objet",
        "endpoint_url": endpoint.url,
        "region": "eu-west-3",
        "addressing_style": "path",
        "credentials": {"access_key_id": {"env": f"{env}_KEY"}, "secret_access_key": {"env": f"{env}_SECRET"}},
        "buckets": buckets,
    }


@pytest.fixture
def two_tenants(endpoint: LocalS3Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A well-configured tenant and a badly configured one, each in its own account."""
    good, bad = endpoint.new_account(), endpoint.new_account()
    g, b = unique("bon") + "-", unique("mauvais") + "-"
    key = create_kms_key(endpoint, good, "eu-west-3")
    provision_buckets(
        endpoint,
        good,
        [
            BucketPlan(f"{g}logs", receives_logs=True, object_lock=("COMPLIANCE", 30), expire_days=400),
            BucketPlan(f"{g}replica", region="eu-central-1"),
            BucketPlan(f"{g}data", encryption="aws:kms", kms_key=key, log_to=f"{g}logs", replicate_to=f"{g}replica"),
        ],
    )
    provision_account(endpoint, good, AccountPlan(trail_bucket=f"{g}logs", console_users=(("a", True),)), "eu-west-3")
    provision_buckets(endpoint, bad, [BucketPlan(f"{b}data", encryption="none", tls_only=False, versioning=False)])
    provision_account(endpoint, bad, AccountPlan(trail="none", public_access_block=False), "eu-west-3")
    for env, creds in (("HDS_E2E_GOOD", good), ("HDS_E2E_BAD", bad)):
        monkeypatch.setenv(f"{env}_KEY", creds.access_key_id)
        monkeypatch.setenv(f"{env}_SECRET", creds.secret_access_key)
    contract = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}
    fleet = {
        "version": 1,
        "runtime": {"workers": 4, "collect_timeout_s": 30, "check_timeout_s": 5, "retries": 0},
        "tenants": [
            {
                "id": "clinique-bon",
                "name": "Clinique bien configurée",
                "activities": [3, 4, 5, 6],
                "contract": dict(contract),
                "targets": {
                    "s3": [
                        _target(
                            endpoint,
                            g,
                            "HDS_E2E_GOOD",
                            [
                                {"name": f"{g}data", "roles": ["data", "critical"], "require_kms": True},
                                {"name": f"{g}logs", "roles": ["log"]},
                            ],
                        )
                    ]
                },
            },
            {
                "id": "labo-mauvais",
                "name": "Laboratoire mal configuré",
                "activities": [4, 5],
                "contract": dict(contract),
                "targets": {"s3": [_target(endpoint, b, "HDS_E2E_BAD", [{"name": f"{b}data"}])]},
            },
        ],
    }
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    return config, good, bad


def _run(config: Path, store_path: Path, registry: PluginRegistry, controls: list[str]) -> list[dict[str, Any]]:
    prepared = prepare(config, control_ids=controls, registry=registry)
    store = EvidenceStore.open(str(store_path))
    try:
        outcome = execute(prepared, store)
        assert outcome.status == "completed"
        return list(store.results(outcome.run_id))
    finally:
        store.close()


def _statuses(results: list[dict[str, Any]], tenant: str, control: str) -> set[str]:
    return {r["status"] for r in results if r["tenant"] == tenant and r["control"] == control}


def test_sweep_stores_s3_passes_and_failures(two_tenants, tmp_path: Path, registry: PluginRegistry) -> None:
    config, good, bad = two_tenants
    results = _run(config, tmp_path / "evidence.sqlite", registry, S3_CONTROLS)
    good_statuses = {r["status"] for r in results if r["tenant"] == "clinique-bon"}
    assert good_statuses == {"pass"}, [r for r in results if r["tenant"] == "clinique-bon" and r["status"] != "pass"]
    for control in ("S3-01", "S3-03", "S3-05", "S3-06", "S3-08", "S3-11"):
        assert _statuses(results, "labo-mauvais", control) == {"fail"}, control
    assert {r["target_kind"] for r in results} == {"s3"}
    assert all(r["evidence"] for r in results if r["status"] == "pass")
    assert {r["control"] for r in results if r["tenant"] == "labo-mauvais"} == set(S3_CONTROLS)
    stored = json.dumps(results)
    for creds in (good, bad):
        assert creds.secret_access_key not in stored


def test_collection_is_shared_by_all_controls(
    two_tenants, tmp_path: Path, registry: PluginRegistry, endpoint: LocalS3Endpoint
) -> None:
    config, good, _ = two_tenants

    def reads_for(controls: list[str], store: str) -> dict[tuple[str, str], int]:
        before = len(endpoint.requests)
        _run(config, tmp_path / store, registry, controls)
        return dict(s3_reads(endpoint.requests[before:], good.access_key_id))

    every = reads_for(S3_CONTROLS, "all.sqlite")
    one = reads_for(["S3-01"], "one.sqlite")
    assert every == one
    assert set(every.values()) == {1}
    assert {sub for (_bucket, sub) in every} == set(SUBRESOURCES)
