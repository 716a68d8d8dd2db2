"""The ClusterRole grants exactly the API reads the Kubernetes plugin declares
(hds_kubernetes.permissions.API_READS): nothing more, nothing missing, nothing that writes."""

from __future__ import annotations

import pytest

from hds_kubernetes.permissions import API_READS
from tests.infra.manifests import BASE, NAMESPACE, OVERLAYS, build, load_docs, needs_kubectl, the

READ_VERBS = {"get", "list", "watch"}


def granted(role: dict) -> set[tuple[str, str, str]]:
    triples = set()
    for rule in role["rules"]:
        assert set(rule) <= {"apiGroups", "resources", "verbs"}, "no resourceNames or nonResourceURLs"
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    triples.add((group, resource, verb))
    return triples


def declared() -> set[tuple[str, str, str]]:
    return {(group, resource, verb) for group, resource, verbs in API_READS for verb in verbs}


def test_the_plugin_declares_only_reads():
    assert declared()
    assert {verb for _g, _r, verb in declared()} <= READ_VERBS


def test_the_base_cluster_role_grants_exactly_the_plugin_reads():
    role = the(load_docs(BASE / "clusterrole.yaml"), "ClusterRole")
    assert granted(role) == declared()


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_applied_cluster_role_is_read_only_and_exact(overlay: str):
    docs = build(overlay)
    (role,) = [d for d in docs if d["kind"] == "ClusterRole"]
    triples = granted(role)
    assert triples == declared()
    assert not any("*" in t for t in triples)
    assert not {r for _g, r, _v in triples} & {
        "secrets",
        "configmaps",
        "pods/log",
        "pods/exec",
        "serviceaccounts/token",
    }
    assert [d for d in docs if d["kind"] in ("Role", "RoleBinding")] == []
    binding = the(docs, "ClusterRoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "hds-controlplane", "namespace": NAMESPACE}]
