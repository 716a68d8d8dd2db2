"""Through the real scheduler: two tenants share one cluster behind the local API server."""

from __future__ import annotations

import json
from collections import Counter

from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_kubernetes.kinds import KINDS
from tests.support.fleet import tenant, write_fleet


def kube_target(kubeconfig, namespace):
    return {
        "kubernetes": [
            {
                "name": "shared-cluster",
                "kubeconfig": {"file": str(kubeconfig)},
                "namespaces": [namespace],
                "platform_namespaces": ["ingress-nginx"],
                "encrypted_storage_classes": ["encrypted-ssd"],
            }
        ]
    }


def test_two_tenants_one_listing_and_evidence_kept_apart(apiserver, kubeconfig, tmp_path, registry):
    config = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("alpha", [3, 4, 5], kube_target(kubeconfig, "alpha-prod")),
            tenant("beta", [4], kube_target(kubeconfig, "beta-prod")),
        ],
        runtime={"workers": 4, "collect_timeout_s": 20, "retries": 0},
    )
    prepared = prepare(config, control_ids=[f"K8S-{i:02d}" for i in range(1, 15)], registry=registry)
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store)
        results = {t: list(store.results(outcome.run_id, tenant=t)) for t in ("alpha", "beta")}
    finally:
        store.close()

    # the cluster was listed once for both tenants: one request per kind
    assert Counter(r.path for r in apiserver.requests) == {k.list_path: 1 for k in KINDS}

    # each tenant's evidence names only its own namespaces (and no credential)
    alpha_text = json.dumps(results["alpha"])
    beta_text = json.dumps(results["beta"])
    assert "alpha-prod" in alpha_text and "beta-prod" not in alpha_text
    assert "beta-prod" in beta_text and "alpha-prod" not in beta_text
    assert apiserver.token not in alpha_text + beta_text

    by_status = {t: Counter(r["status"] for r in rs) for t, rs in results.items()}
    assert by_status["alpha"]["fail"] == 0 and by_status["alpha"]["error"] == 0
    assert {r["control"] for r in results["alpha"] if r["status"] == "pass"} == {f"K8S-{i:02d}" for i in range(1, 15)}
    beta_failed = {r["control"] for r in results["beta"] if r["status"] == "fail"}
    # every namespace-scoped control fails for beta; the cluster-wide ones (zones, location, audit) pass
    assert beta_failed == {f"K8S-{i:02d}" for i in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)}
    beta_cross = next(r for r in results["beta"] if r["control"] == "K8S-08")
    assert beta_cross["message"].endswith("to a ServiceAccount of a namespace outside this tenant")
    assert beta_cross["iso27001"] == ["A.5.15", "A.5.18"]  # issue 16: ordinary bindings, not A.8.2
    assert beta_cross["hds_activities"] == [4]


def test_forbidden_kind_is_an_error_result_in_the_store(apiserver, kubeconfig, tmp_path, registry):
    apiserver.forbid("rolebindings")
    config = write_fleet(tmp_path / "hds.yaml", [tenant("alpha", [4], kube_target(kubeconfig, "alpha-prod"))])
    prepared = prepare(config, control_ids=["K8S-07", "K8S-08", "K8S-09"], registry=registry)
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store)
        statuses = {r["control"]: r["status"] for r in store.results(outcome.run_id)}
    finally:
        store.close()
    assert statuses == {"K8S-07": "error", "K8S-08": "error", "K8S-09": "pass"}


def test_wrong_token_errors_every_control_and_leaks_nothing(apiserver, tmp_path, registry):
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", token="not-the-token-42")
    config = write_fleet(
        tmp_path / "hds.yaml", [tenant("alpha", [4], kube_target(kubeconfig, "alpha-prod"))], runtime={"retries": 0}
    )
    prepared = prepare(config, control_ids=["K8S-01", "K8S-13"], registry=registry)
    store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
    try:
        outcome = execute(prepared, store)
        rows = list(store.results(outcome.run_id))
    finally:
        store.close()
    assert [r["status"] for r in rows] == ["error", "error"]
    assert "401 Unauthorized" in rows[0]["message"]
    assert "not-the-token-42" not in json.dumps(rows)
    assert (tmp_path / "evidence.sqlite").read_bytes().find(b"not-the-token-42") == -1
