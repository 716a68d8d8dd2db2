"""Workers shared between endpoints (`controlplane.dispatch`): while one endpoint throttles
everything, the other endpoint's tenants are collected and stored — they do not wait behind
the throttled tenants for a worker. Orderings and counts, not timings."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane import endpoint_limits
from controlplane.endpoint_limits import EndpointLimits
from controlplane.plugins import PluginRegistry
from controlplane.results import CheckResult
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore

BENCH = Path(__file__).resolve().parents[3] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from canned_s3 import CannedS3, Throttle  # noqa: E402

S3_CONTROLS = [f"S3-{n:02d}" for n in range(1, 14)]


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDS_TEST_CANNED_KEY", "AKIACANNEDEXAMPLE")
    monkeypatch.setenv("HDS_TEST_CANNED_SECRET", "canned-secret-not-real")


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> EndpointLimits:
    fresh = EndpointLimits(initial=8, endpoint_max=8, global_max=64)
    monkeypatch.setattr(endpoint_limits, "_limits", fresh)
    return fresh


def tenant(name: str, url: str) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "activities": [3, 4, 5, 6],
        "contract": {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365},
        "targets": {
            "s3": [
                {
                    "name": "stockage",
                    "endpoint_url": url,
                    "region": "eu-west-3",
                    "provider": "ceph",
                    "allowed_regions": ["eu-west-3"],
                    "addressing_style": "path",
                    "max_attempts": 10,
                    "credentials": {
                        "access_key_id": {"env": "HDS_TEST_CANNED_KEY"},
                        "secret_access_key": {"env": "HDS_TEST_CANNED_SECRET"},
                    },
                    "buckets": [{"name": f"{name}-data"}, {"name": f"{name}-logs"}],
                }
            ]
        },
    }


def test_healthy_endpoints_tenants_complete_while_the_throttled_ones_back_off(
    limiter: EndpointLimits, tmp_path: Path, registry: PluginRegistry
) -> None:
    """Two workers; the throttled endpoint's tenants come first in the plan. Endpoint A answers
    503 SlowDown (Retry-After: 1) to everything until every (tenant, control) of endpoint B is
    stored. With one FIFO queue both workers would sit on A's tenants and B could only start
    once A's collections gave up (errors stored before B's results); here B completes first and
    A's tenants, still backing off, then get real answers."""
    gate = threading.Event()
    with CannedS3() as throttling, CannedS3() as healthy:
        throttling.throttle = lambda _r, _s: None if gate.is_set() else Throttle(503, "1")
        a_tenants, b_tenants = ["a-0", "a-1"], ["b-0", "b-1"]
        fleet = {
            "version": 1,
            "runtime": {
                "workers": 2,
                "collect_timeout_s": 300,
                "check_timeout_s": 30,
                "retries": 2,
                "retry_backoff_s": 0,
                "endpoint_initial_in_flight": 8,
                "endpoint_max_in_flight": 8,
                "global_max_in_flight": 64,
            },
            "tenants": [tenant(t, throttling.url) for t in a_tenants] + [tenant(t, healthy.url) for t in b_tenants],
        }
        config = tmp_path / "hds.yaml"
        config.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
        b_stored: set[tuple[str, str]] = set()
        a_stored_before_b_done: list[CheckResult] = []
        a_requests_before_b_done: list[int] = []

        def on_result(result: CheckResult) -> None:
            if gate.is_set():
                return
            if result.tenant in b_tenants:
                b_stored.add((result.tenant, result.control))
                if len(b_stored) == len(b_tenants) * len(S3_CONTROLS):
                    a_requests_before_b_done.append(throttling.throttled())
                    gate.set()  # A answers normally from now on
            else:
                a_stored_before_b_done.append(result)

        prepared = prepare(config, control_ids=S3_CONTROLS, registry=registry)
        store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
        try:
            outcome = execute(prepared, store, on_result=on_result)
            results = list(store.results(outcome.run_id))
        finally:
            store.close()
    assert gate.is_set(), "endpoint B's tenants never completed"
    assert a_stored_before_b_done == [], "A's tenants ended (in errors) before B's could start"
    assert a_requests_before_b_done[0] > 0, "A was throttling while B completed"
    stored = {(r["tenant"], r["control"]) for r in results}
    assert stored == {(t, c) for t in a_tenants + b_tenants for c in S3_CONTROLS}, "no check dropped"
    a_results = [r for r in results if r["tenant"] in a_tenants]
    assert {r["status"] for r in a_results} & {"pass", "fail"}, "A's collections waited and got real answers"
    for r in a_results:
        if r["status"] == "error":
            assert "SlowDown" in r["message"] or "throttling" in r["message"], r["message"]
    assert healthy.throttled() == 0
    assert limiter.stats(throttling.url.removeprefix("http://"))["decreases"] >= 1
    assert limiter.stats(healthy.url.removeprefix("http://"))["decreases"] == 0
