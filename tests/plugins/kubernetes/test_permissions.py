"""API_READS is exactly what a collection requests, and what the shipped ClusterRole grants."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from controlplane.plugin_types import CollectContext, TenantView
from hds_kubernetes.collect import collect_kubernetes
from hds_kubernetes.kinds import KINDS
from hds_kubernetes.permissions import API_READS, cluster_role_rules
from hds_kubernetes.target import KubernetesTarget

CLUSTER_ROLE = Path(__file__).parents[3] / "infra" / "k8s" / "base" / "clusterrole.yaml"


def test_api_reads_list_every_kind_the_collector_reads_and_only_list():
    assert {(g, r) for g, r, _ in API_READS} == {(k.group, k.resource) for k in KINDS}
    assert len(API_READS) == len(KINDS)
    assert {verbs for _, _, verbs in API_READS} == {("list",)}


def test_a_collection_requests_nothing_outside_api_reads(apiserver, kubeconfig):
    tgt = KubernetesTarget.model_validate({"name": "c", "kubeconfig": str(kubeconfig), "namespaces": ["alpha-prod"]})
    collect_kubernetes(tgt, CollectContext(TenantView("alpha", "Alpha", (3,), {}), "c", 10.0))
    allowed = {f"/api/v1/{r}" if not g else f"/apis/{g}/v1/{r}" for g, r, _ in API_READS}
    requested = {r.path for r in apiserver.requests}
    assert requested == allowed  # every read is used, nothing else is asked for
    assert all(r.status == 200 for r in apiserver.requests)


def test_cluster_role_rules_group_resources_per_api_group():
    rules = cluster_role_rules()
    apps = {
        "apiGroups": ["apps"],
        "resources": ["daemonsets", "deployments", "replicasets", "statefulsets"],
        "verbs": ["list"],
    }
    assert apps in rules
    assert sum(len(r["resources"]) for r in rules) == len(API_READS)


def test_shipped_cluster_role_grants_exactly_api_reads():
    if not CLUSTER_ROLE.exists():
        pytest.skip("infra/k8s/base/clusterrole.yaml is not in this tree")
    role = yaml.safe_load(CLUSTER_ROLE.read_text())
    granted = {
        (g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]
    }
    assert granted == {(g, r, v) for g, r, verbs in API_READS for v in verbs}
