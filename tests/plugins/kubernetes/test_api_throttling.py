"""The API server's request window (`controlplane.endpoint_limits`), against the local API
server answering 429 (API Priority and Fairness) or 503 with Retry-After: throttling answers
cut that server's window, Retry-After is honoured, and a throttling server ends in ERROR results
naming it, never PASS. Counts and orderings, not timings."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest

from controlplane import endpoint_limits
from controlplane.endpoint_limits import EndpointLimits
from controlplane.errors import TransientError
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_kubernetes.collect import collect_kubernetes
from hds_kubernetes.demo.local_apiserver import LocalApiServer
from tests.plugins.kubernetes.test_end_to_end import kube_target
from tests.plugins.kubernetes.test_source_api import CTX, api_target
from tests.support.fleet import tenant, write_fleet


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> EndpointLimits:
    fresh = EndpointLimits(initial=8, endpoint_max=8, global_max=64)
    monkeypatch.setattr(endpoint_limits, "_limits", fresh)
    return fresh


def netloc(server: LocalApiServer) -> str:
    return server.url.split("://", 1)[1]


def test_throttling_answers_cut_the_api_servers_window(
    apiserver: LocalApiServer, kubeconfig: Path, limiter: EndpointLimits
) -> None:
    apiserver.retry_after = "0"
    apiserver.fail_next("nodes", 429, times=2)
    scope = collect_kubernetes(api_target(kubeconfig), CTX)
    assert [c.status for c in apiserver.list_calls("nodes")] == [429, 429, 200]
    assert scope.unavailable == {}
    stats = limiter.stats(netloc(apiserver))
    # Each throttling answer came to a request sent after the previous cut: two halvings (8 → 2).
    assert (stats["throttled"], stats["decreases"]) == (2, 2)
    assert limiter.cap(netloc(apiserver)) is not None, "a throttled server caps its collections"


def test_a_healthy_api_server_keeps_its_window(
    apiserver: LocalApiServer, kubeconfig: Path, limiter: EndpointLimits
) -> None:
    collect_kubernetes(api_target(kubeconfig), CTX)
    assert limiter.stats(netloc(apiserver))["decreases"] == 0
    assert limiter.cap(netloc(apiserver)) is None


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(429, lambda: "1"), (503, lambda: formatdate(time.time() + 2, usegmt=True))],
    ids=["429-seconds", "503-http-date"],
)
def test_retry_after_is_honoured(
    apiserver: LocalApiServer, kubeconfig: Path, limiter: EndpointLimits, status: int, retry_after: object
) -> None:
    assert callable(retry_after)
    apiserver.retry_after = retry_after()
    apiserver.fail_next("deployments", status)
    ctx = CTX.__class__(CTX.tenant, CTX.target_name, 120.0)  # room for a busy machine: ordering, not time
    collect_kubernetes(api_target(kubeconfig), ctx)
    throttled, retried = apiserver.list_calls("deployments")
    assert (throttled.status, retried.status) == (status, 200)
    # The next request to that server (whatever its kind) waited for the Retry-After. An HTTP
    # date has whole seconds: "in 2 s" is at least 1 s away.
    after = [r for r in apiserver.requests if r.answered > throttled.answered]
    assert after and after[0].answered - throttled.answered >= 0.95


def test_a_retry_after_past_the_deadline_fails_the_listing_at_once_naming_it(
    apiserver: LocalApiServer, kubeconfig: Path, limiter: EndpointLimits
) -> None:
    apiserver.throttle_all, apiserver.retry_after = 429, "30"
    with pytest.raises(TransientError) as caught:
        collect_kubernetes(api_target(kubeconfig), CTX)  # a 10 s budget: 30 s cannot be waited out
    message = str(caught.value)
    assert "throttling" in message and "HTTP 429" in message and "retry after" in message, message
    assert [r.status for r in apiserver.requests] == [429], "nothing sent during the Retry-After"
    assert apiserver.token not in message


def test_a_throttling_api_server_never_turns_into_pass(
    apiserver: LocalApiServer, kubeconfig: Path, limiter: EndpointLimits, tmp_path: Path, registry: object
) -> None:
    apiserver.throttle_all, apiserver.retry_after = 429, "0"
    config = write_fleet(
        tmp_path / "hds.yaml",
        [tenant("alpha", [3, 4, 5], kube_target(kubeconfig, "alpha-prod"))],
        runtime={
            "workers": 2,
            "collect_timeout_s": 60,
            "retries": 1,
            "retry_backoff_s": 0,
            "endpoint_initial_in_flight": 8,
            "endpoint_max_in_flight": 8,
            "global_max_in_flight": 64,
        },
    )
    controls = [f"K8S-{i:02d}" for i in range(1, 15)]
    prepared = prepare(config, control_ids=controls, registry=registry)  # type: ignore[arg-type]
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store)
        results = list(store.results(outcome.run_id))
    finally:
        store.close()
    assert {r["control"] for r in results} == set(controls), "no check dropped"
    assert {r["status"] for r in results} == {"error"}
    for r in results:
        assert "429" in r["message"] and "throttling" in r["message"], r["message"]
    assert limiter.stats(netloc(apiserver))["throttled"] == len(apiserver.requests) > 0
