"""Requests in flight per S3 endpoint against a local S3-shaped endpoint that throttles (503
SlowDown, 429, Retry-After): throttling shrinks that endpoint's concurrency and only its own,
Retry-After is honoured, and a throttled endpoint ends as a result or an ERROR naming the
throttling — never PASS, never a dropped check. Counts and orderings, not timings."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from controlplane import endpoint_limits
from controlplane.endpoint_limits import EndpointLimits
from controlplane.errors import TransientError
from controlplane.plugins import PluginRegistry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_s3.snapshot import AspectState, S3Snapshot
from tests.plugins.s3.helpers import collect, target

BENCH = Path(__file__).resolve().parents[3] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from canned_s3 import CannedS3, Request, Throttle, http_date_in, share  # noqa: E402

CREDS = {"access_key_id": {"env": "HDS_TEST_CANNED_KEY"}, "secret_access_key": {"env": "HDS_TEST_CANNED_SECRET"}}
S3_CONTROLS = [f"S3-{n:02d}" for n in range(1, 14)]


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDS_TEST_CANNED_KEY", "AKIACANNEDEXAMPLE")
    monkeypatch.setenv("HDS_TEST_CANNED_SECRET", "canned-secret-not-real")


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> EndpointLimits:
    """A fresh process-wide limiter: 8 at first and at most (the collector has 8 threads)."""
    fresh = EndpointLimits(initial=8, endpoint_max=8, global_max=64)
    monkeypatch.setattr(endpoint_limits, "_limits", fresh)
    return fresh


@pytest.fixture
def server() -> Iterator[CannedS3]:
    with CannedS3(delay_s=0.2) as s:
        yield s


def s3_target(url: str, buckets: int, prefix: str = "bucket", **fields: Any):
    return target(
        url,
        CREDS,
        provider="ceph",
        allowed_regions=["eu-west-3"],
        buckets=[{"name": f"{prefix}-{i:02d}"} for i in range(buckets)],
        **fields,
    )


def netloc(s: CannedS3) -> str:
    return s.url.removeprefix("http://")


def all_read(snapshot: S3Snapshot) -> bool:
    return all(
        getattr(b, a).state in (AspectState.value, AspectState.missing)
        for b in snapshot.buckets
        for a in ("location", "encryption", "policy", "acl", "versioning", "logging", "replication")
    )


def test_throttling_answers_reduce_that_endpoints_concurrency(server: CannedS3, limiter: EndpointLimits) -> None:
    healthy = collect(s3_target(server.url, 10, max_attempts=5))
    assert all_read(healthy)
    before = server.max_in_flight()
    assert before > 4, "eight collector threads at 0.2 s per answer overlap"

    start = len(server.requests)
    throttled_first = 8

    def first_eight(request: Request, _: int) -> Throttle | None:
        return Throttle(503) if server.requests.index(request) < start + throttled_first else None

    server.throttle = first_eight
    snapshot = collect(s3_target(server.url, 10, max_attempts=5))
    assert all_read(snapshot), "every throttled request was retried to a real answer"
    assert server.throttled() == throttled_first
    after_throttling = server.requests[start + throttled_first : start + throttled_first + 8]
    assert len(after_throttling) == 8
    # The window was halved (8 → 4) once for the burst; the next requests overlap at most that
    # much (+1: the server counts an answer as done just before the client reads it).
    assert max(r.in_flight for r in after_throttling) <= 5 < before
    assert limiter.stats(netloc(server))["throttled"] == throttled_first


@pytest.mark.parametrize(
    ("status", "retry_after", "minimum_gap"),
    [(503, lambda: "1", 0.95), (429, lambda: http_date_in(2), 0.95)],
    ids=["503-seconds", "429-http-date"],
)
def test_retry_after_is_honoured(
    server: CannedS3, limiter: EndpointLimits, status: int, retry_after: Any, minimum_gap: float
) -> None:
    server.delay_s = 0.0
    server.throttle = lambda _request, seen: Throttle(status, retry_after()) if seen == 0 else None
    # Each target's first request is throttled and holds the whole endpoint for its Retry-After,
    # so the collection takes about (targets x Retry-After): a generous budget, since this test
    # is about the order of requests, not the time a busy machine takes (30 s failed under load).
    snapshot = collect(s3_target(server.url, 2, max_attempts=3), timeout_s=180)
    assert all_read(snapshot), "each throttled request was retried and got its real answer"
    by_target: dict[str, list[Request]] = {}
    for r in server.requests:
        by_target.setdefault(r.target, []).append(r)
    assert len(by_target) == 20
    for path, (first, second, *rest) in by_target.items():
        assert (first.status, second.status, rest) == (status, 200 if second.status == 200 else 404, []), path
        assert second.arrived - first.answered >= minimum_gap, f"{path} retried before its Retry-After"


def test_a_throttled_endpoint_never_turns_into_pass(
    server: CannedS3, limiter: EndpointLimits, tmp_path: Path, registry: PluginRegistry
) -> None:
    """Every request answered 503 SlowDown with a Retry-After past the deadline: each check is
    stored, as an ERROR that names the throttling, and the run ends without waiting it out."""
    server.delay_s = 0.0
    server.throttle = lambda _r, _s: Throttle(503, "30")
    results = run_fleet(tmp_path, registry, {"clinique": server.url}, collect_timeout_s=4)
    assert {r["control"] for r in results} == set(S3_CONTROLS)
    assert {r["status"] for r in results} == {"error"}
    for r in results:
        assert "SlowDown" in r["message"] or "throttling" in r["message"], r["message"]
    assert server.throttled() == len(server.requests) > 0


def test_a_share_of_throttled_requests_ends_in_results_or_errors_naming_throttling(
    server: CannedS3, limiter: EndpointLimits, tmp_path: Path, registry: PluginRegistry
) -> None:
    server.delay_s = 0.0
    server.throttle = share(0.3)
    results = run_fleet(tmp_path, registry, {f"t{i}": server.url for i in range(3)}, collect_timeout_s=20)
    stored = {(r["tenant"], r["control"]) for r in results}
    assert stored == {(f"tenant-t{i}", c) for i in range(3) for c in S3_CONTROLS}, "no check dropped"
    assert server.throttled() > 0
    for r in results:
        if r["status"] == "error":
            assert "SlowDown" in r["message"] or "throttling" in r["message"], r["message"]
    assert {r["status"] for r in results} & {"pass", "fail"}, "retries got real answers"


def test_a_healthy_endpoint_keeps_its_concurrency_while_another_throttles(limiter: EndpointLimits) -> None:
    with CannedS3(delay_s=0.2) as throttling, CannedS3(delay_s=0.2) as healthy:
        throttling.throttle = lambda r, _s: Throttle(503, "0") if r.in_flight > 2 else None
        outcome: dict[str, Any] = {}

        def sweep_throttling() -> None:
            try:
                outcome["throttled"] = collect(s3_target(throttling.url, 10, max_attempts=10), timeout_s=60)
            except TransientError as exc:  # every request throttled to the end: also acceptable here
                outcome["throttled"] = exc

        thread = threading.Thread(target=sweep_throttling)
        thread.start()
        snapshot = collect(s3_target(healthy.url, 10, prefix="sain"), timeout_s=60)
        thread.join(120)
        assert not thread.is_alive()
    assert all_read(snapshot)
    assert throttling.throttled() > 0 and healthy.throttled() == 0
    # The throttled endpoint's window was cut (it may have grown back since: additive increase);
    # the healthy one's never was.
    assert limiter.stats(netloc(throttling))["decreases"] >= 1
    assert limiter.stats(netloc(healthy))["decreases"] == 0 and limiter.window(netloc(healthy)) == 8
    assert healthy.max_in_flight() > throttling.max_in_flight(len(throttling.requests) // 2)


def run_fleet(
    tmp_path: Path, registry: PluginRegistry, tenants: dict[str, str], collect_timeout_s: float
) -> list[dict[str, Any]]:
    """One S3 target of two buckets per tenant, through the real runner and store."""
    contract = {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}
    fleet = {
        "version": 1,
        "runtime": {
            "workers": 4,
            "collect_timeout_s": collect_timeout_s,
            "check_timeout_s": 5,
            "retries": 1,
            "retry_backoff_s": 0,
            "endpoint_initial_in_flight": 8,
            "endpoint_max_in_flight": 8,
            "global_max_in_flight": 64,
        },
        "tenants": [
            {
                "id": f"tenant-{name}",
                "name": f"Tenant {name}",
                "activities": [3, 4, 5, 6],
                "contract": dict(contract),
                "targets": {
                    "s3": [
                        {
                            "name": "stockage",
                            "endpoint_url": url,
                            "region": "eu-west-3",
                            "provider": "ceph",
                            "allowed_regions": ["eu-west-3"],
                            "addressing_style": "path",
                            "max_attempts": 4,
                            "credentials": {k: dict(v) for k, v in CREDS.items()},
                            "buckets": [{"name": f"{name}-data", "roles": ["data"]}, {"name": f"{name}-logs"}],
                        }
                    ]
                },
            }
            for name, url in tenants.items()
        ],
    }
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    prepared = prepare(config, control_ids=S3_CONTROLS, registry=registry)
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store)
        assert outcome.status == "completed"
        return list(store.results(outcome.run_id))
    finally:
        store.close()


def test_requests_stopped_by_the_deadline_still_name_the_throttling(server: CannedS3, limiter: EndpointLimits) -> None:
    """Throttled without Retry-After until the budget is spent: what was not read says why."""
    server.delay_s = 0.0
    server.throttle = lambda _r, _s: Throttle(503)
    try:
        snapshot = collect(s3_target(server.url, 3, max_attempts=10), timeout_s=3)
    except TransientError as exc:  # nothing read at all: the scheduler retries, then reports this
        assert "SlowDown" in str(exc) or "throttling" in str(exc), str(exc)
        return
    reasons = [getattr(b, a).reason for b in snapshot.buckets for a in ("location", "encryption")]
    assert reasons and all("SlowDown" in r or "throttling" in r for r in reasons), reasons
