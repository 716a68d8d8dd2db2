"""The live-API source: the official client against the local API server, over real HTTP(S)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from controlplane.errors import TransientError
from controlplane.plugin_types import CollectContext, TenantView
from controlplane.results import Status
from controlplane.secrets import MASK, redact
from hds_kubernetes import checks_isolation, checks_redundancy
from hds_kubernetes.collect import collect_kubernetes, read_cluster
from hds_kubernetes.demo import manifests as m
from hds_kubernetes.demo.local_apiserver import LocalApiServer
from hds_kubernetes.kinds import KINDS
from hds_kubernetes.source_api import (
    PAGE_SIZE,
    ClusterAccessError,
    in_cluster_identity,
    kubeconfig_identity,
    list_cluster,
    open_in_cluster_client,
)
from hds_kubernetes.target import KubernetesTarget
from tests.plugins.kubernetes.clusters import check_context, platform, shared_cluster

CTX = CollectContext(TenantView("alpha", "Alpha", (3, 4), {}), "cluster", 10.0)


def api_target(kubeconfig: Path | dict, namespaces=("alpha-prod",), **fields) -> KubernetesTarget:
    ref = str(kubeconfig) if isinstance(kubeconfig, Path) else kubeconfig
    return KubernetesTarget.model_validate(
        {
            "name": "cluster",
            "kubeconfig": ref,
            "namespaces": list(namespaces),
            "platform_namespaces": ["ingress-nginx"],
            "encrypted_storage_classes": ["encrypted-ssd"],
            **fields,
        }
    )


def test_collects_the_cluster_through_the_official_client(apiserver, kubeconfig):
    scope = collect_kubernetes(api_target(kubeconfig), CTX)
    assert [ns.name for ns in scope.namespaces] == ["alpha-prod"]
    assert scope.cluster == f"kubeconfig {apiserver.url} (kubeconfig {kubeconfig}, context hds-local)"
    assert scope.unavailable == {}
    assert [w.name for w in scope.contents_of("alpha-prod").workloads] == ["web"]
    assert len(scope.nodes) == 3
    # every kind listed exactly once, cluster-wide, with a page limit
    calls = apiserver.list_calls()
    assert len(calls) == len(KINDS) == 17
    assert all(c.query.get("limit") == str(PAGE_SIZE) for c in calls)


def test_pages_through_large_lists_with_continue_tokens(apiserver, kubeconfig):
    many = [m.bare_pod("alpha-prod", f"worker-{i:04d}", "node-a") for i in range(PAGE_SIZE * 2 + 37)]
    apiserver.set_objects([*shared_cluster(), *many])
    scope = collect_kubernetes(api_target(kubeconfig), CTX)
    pod_calls = apiserver.list_calls("pods")
    assert len(pod_calls) == 3
    assert "continue" not in pod_calls[0].query
    assert all(c.query.get("continue") for c in pod_calls[1:])
    names = {p.name for p in scope.contents_of("alpha-prod").pods}
    assert {f"worker-{i:04d}" for i in range(PAGE_SIZE * 2 + 37)} <= names


def test_forbidden_kind_becomes_an_error_for_the_checks_that_need_it(apiserver, kubeconfig, catalog):
    apiserver.forbid("networkpolicies")
    target = api_target(kubeconfig)
    scope = collect_kubernetes(target, CTX)
    assert scope.unavailable["networkpolicies"].startswith(
        "403 Forbidden: networkpolicies.networking.k8s.io is forbidden"
    )
    findings = checks_isolation.default_deny_ingress(
        scope, check_context(catalog, "kubernetes.default_deny_ingress", target)
    )
    assert [f.status for f in findings] == [Status.error]
    assert "networkpolicies could not be read (403 Forbidden" in findings[0].message
    # the other controls still judge
    replicas = checks_redundancy.workload_replicas(
        scope, check_context(catalog, "kubernetes.workload_replicas", target)
    )
    assert [f.status for f in replicas] == [Status.passed]


def test_wrong_token_fails_the_collection_without_showing_any_token(apiserver, tmp_path):
    wrong = "wrong-token-0123456789"
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "bad-kubeconfig", token=wrong)
    with pytest.raises(ClusterAccessError) as err:
        collect_kubernetes(api_target(kubeconfig), CTX)
    message = str(err.value)
    assert "refused the credentials" in message
    assert "401 Unauthorized" in message
    assert wrong not in message and apiserver.token not in message
    assert redact(f"x {wrong} y") == f"x {MASK} y"  # registered for redaction anyway


def test_kubeconfig_from_an_environment_variable_reference(apiserver, kubeconfig, monkeypatch):
    monkeypatch.setenv("HDS_TEST_KUBECONFIG", kubeconfig.read_text())
    scope = collect_kubernetes(api_target({"env": "HDS_TEST_KUBECONFIG"}), CTX)
    assert scope.cluster.endswith("(kubeconfig env:HDS_TEST_KUBECONFIG, context hds-local)")
    assert redact(apiserver.token) == MASK


def test_kubeconfig_file_is_never_rewritten(apiserver, kubeconfig):
    before = hashlib.sha256(kubeconfig.read_bytes()).hexdigest()
    collect_kubernetes(api_target(kubeconfig), CTX)
    assert hashlib.sha256(kubeconfig.read_bytes()).hexdigest() == before


def test_throttling_once_is_absorbed_by_a_quick_retry(apiserver, kubeconfig):
    apiserver.fail_next("deployments", 429)
    scope = collect_kubernetes(api_target(kubeconfig), CTX)
    assert [c.status for c in apiserver.list_calls("deployments")] == [429, 200]
    assert scope.unavailable == {}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_persistent_throttling_or_server_errors_are_transient(apiserver, kubeconfig, status):
    apiserver.fail_next("nodes", status, times=3)
    with pytest.raises(TransientError, match=f"listing nodes: {status}"):
        collect_kubernetes(api_target(kubeconfig), CTX)


def test_expired_continue_token_is_transient(apiserver, kubeconfig):
    apiserver.set_objects(
        [*shared_cluster(), *(m.bare_pod("alpha-prod", f"p{i}", "node-a") for i in range(PAGE_SIZE + 1))]
    )
    apiserver.expire_continue_tokens()
    with pytest.raises(TransientError, match="410 Gone"):
        collect_kubernetes(api_target(kubeconfig), CTX)


def test_kind_not_served_is_recorded_unavailable(apiserver, kubeconfig):
    apiserver.fail_next("poddisruptionbudgets", 404)
    scope = collect_kubernetes(api_target(kubeconfig), CTX)
    assert scope.unavailable == {
        "poddisruptionbudgets": "not served by this API server (404 for /apis/policy/v1/poddisruptionbudgets)"
    }


def test_unreachable_server_is_transient(tmp_path):
    server = LocalApiServer(platform())
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    server.stop()  # never started: the port is closed
    with pytest.raises(TransientError, match="listing namespaces"):
        collect_kubernetes(api_target(kubeconfig), CTX)


def test_https_with_the_cluster_ca_from_the_kubeconfig(tmp_path):
    with LocalApiServer(shared_cluster(), tls_dir=tmp_path / "pki") as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        scope = collect_kubernetes(api_target(kubeconfig), CTX)
    assert server.url.startswith("https://")
    assert [ns.name for ns in scope.namespaces] == ["alpha-prod"]


def test_https_with_an_untrusted_certificate_is_refused(tmp_path):
    with LocalApiServer(shared_cluster(), tls_dir=tmp_path / "pki") as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        doc = yaml.safe_load(kubeconfig.read_text())
        other = LocalApiServer([], tls_dir=tmp_path / "other")  # another self-signed CA, never started
        other.stop()
        assert other.ca_path is not None
        doc["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(
            other.ca_path.read_bytes()
        ).decode()
        kubeconfig.write_text(yaml.safe_dump(doc))
        with pytest.raises(ClusterAccessError, match="certificate verify failed"):
            collect_kubernetes(api_target(kubeconfig), CTX)
    assert server.requests == []


def test_in_cluster_service_account(tmp_path):
    with LocalApiServer(shared_cluster(), tls_dir=tmp_path / "pki") as server:
        sa_dir = tmp_path / "serviceaccount"
        sa_dir.mkdir()
        (sa_dir / "token").write_text(server.token)
        (sa_dir / "ca.crt").write_bytes(server.ca_path.read_bytes())
        environ = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(server.port)}
        identity = in_cluster_identity(environ, sa_dir)
        snapshot = list_cluster(open_in_cluster_client(environ, sa_dir), identity, 10.0)
    assert identity.location == server.url
    assert "alpha-prod" in snapshot.namespaces
    assert snapshot.unavailable == {}
    assert redact(server.token) == MASK


def test_in_cluster_outside_a_pod_is_a_clear_error(tmp_path):
    with pytest.raises(ClusterAccessError, match="not running in a Kubernetes pod"):
        in_cluster_identity({}, tmp_path)


def test_kubeconfig_identity_needs_no_request(apiserver, kubeconfig):
    identity = kubeconfig_identity(api_target(kubeconfig))
    assert identity.location == apiserver.url
    assert apiserver.requests == []


def test_unknown_context_names_the_problem(kubeconfig):
    with pytest.raises(ClusterAccessError, match="no context named 'prod'"):
        kubeconfig_identity(api_target(kubeconfig, context="prod"))


def test_read_cluster_is_the_same_snapshot_whatever_the_context_object(apiserver, kubeconfig):
    target = api_target(kubeconfig)
    snapshot = read_cluster(target, kubeconfig_identity(target), 10.0)
    assert json.dumps(sorted(snapshot.namespaces)) == json.dumps(
        ["alpha-prod", "beta-prod", "ingress-nginx", "kube-system"]
    )
