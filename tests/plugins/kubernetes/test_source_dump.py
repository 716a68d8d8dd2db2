"""The offline dump source: the same checks, the same findings as from the live API."""

from __future__ import annotations

import json

import pytest
import yaml

from controlplane.plugin_types import CollectContext, TenantView
from controlplane.results import Status
from hds_kubernetes import hds_checks
from hds_kubernetes.collect import collect_kubernetes
from hds_kubernetes.demo import manifests as m
from hds_kubernetes.snapshot import ClusterIdentity
from hds_kubernetes.source_dump import DumpError, read_dump, write_dump
from hds_kubernetes.target import KubernetesTarget
from tests.plugins.kubernetes.clusters import check_context, good_tenant, platform, shared_cluster

CTX = CollectContext(TenantView("alpha", "Alpha", (3, 4), {}), "cluster", 10.0)
COMMON = {"platform_namespaces": ["ingress-nginx"], "encrypted_storage_classes": ["encrypted-ssd"]}


def target(namespace: str, **source) -> KubernetesTarget:
    return KubernetesTarget.model_validate({"name": "cluster", "namespaces": [namespace], **COMMON, **source})


def all_findings(scope, tgt, catalog):
    """Every check of the plugin on one scope, minus where/when it was observed. The access-trace
    checks judge audit log files, not the cluster's objects (tests/plugins/kubernetes/test_checks_traces.py)."""
    out = []
    for spec in hds_checks():
        if spec.id.startswith("kubernetes.trace_"):
            continue
        for f in spec.func(scope, check_context(catalog, spec.id, tgt)):
            evidence = {k: v for k, v in f.evidence.items() if k not in ("cluster", "observed_at")}
            out.append((spec.id, str(f.status), f.message, f.resource, json.dumps(evidence, sort_keys=True)))
    return out


@pytest.mark.parametrize("single_file", [False, True], ids=["file-per-kind", "one-List"])
@pytest.mark.parametrize("namespace", ["alpha-prod", "beta-prod"])
def test_dump_gives_the_same_findings_as_the_api(apiserver, kubeconfig, tmp_path, catalog, namespace, single_file):
    dump_dir = write_dump(tmp_path / "dump", shared_cluster(), single_file=single_file)
    from_api = target(namespace, kubeconfig=str(kubeconfig))
    from_dump = target(namespace, dump_dir=str(dump_dir))
    api_findings = all_findings(collect_kubernetes(from_api, CTX), from_api, catalog)
    dump_findings = all_findings(collect_kubernetes(from_dump, CTX), from_dump, catalog)
    assert api_findings == dump_findings
    statuses = {f[1] for f in api_findings}
    # the comparison means something: alpha passes, beta fails, nothing errors
    assert "error" not in statuses
    assert ("fail" in statuses) == (namespace == "beta-prod")


def test_typed_lists_yaml_and_single_objects(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    deploy = m.deployment("alpha-prod", "web", 3)
    typed = {
        "apiVersion": "apps/v1",
        "kind": "DeploymentList",
        "items": [{k: v for k, v in deploy.items() if k not in ("apiVersion", "kind")}],
    }
    (dump / "deployments.json").write_text(json.dumps(typed))
    (dump / "namespaces.yaml").write_text(yaml.safe_dump_all([m.namespace("alpha-prod"), m.namespace("beta-prod")]))
    (dump / "web-pdb.yml").write_text(yaml.safe_dump(m.pdb("alpha-prod", "web", "web")))
    snapshot = read_dump(dump, ClusterIdentity("dump", str(dump)))
    assert [w.name for w in snapshot.contents_of("alpha-prod").workloads] == ["web"]
    assert sorted(snapshot.namespaces) == ["alpha-prod", "beta-prod"]
    assert [b.name for b in snapshot.contents_of("alpha-prod").budgets] == ["web"]
    assert "nodes" in snapshot.unavailable and "deployments" not in snapshot.unavailable


def test_empty_export_named_after_its_kind_counts_as_exported(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "ns.json").write_text(json.dumps(m.as_list([m.namespace("alpha-prod")])))
    (dump / "netpol.json").write_text(json.dumps(m.as_list([])))
    snapshot = read_dump(dump, ClusterIdentity("dump", str(dump)))
    assert "networkpolicies" not in snapshot.unavailable
    assert snapshot.unavailable["ingresses"] == (
        "not in the dump (export it: kubectl get ingresses -A -o json > ingresses.json)"
    )


def test_kind_missing_from_the_dump_is_an_error_not_a_pass(tmp_path, catalog):
    dump = write_dump(tmp_path / "dump", [*platform(), *good_tenant("alpha-prod")])
    (dump / "networkpolicies.json").unlink()
    tgt = target("alpha-prod", dump_dir=str(dump))
    scope = collect_kubernetes(tgt, CTX)
    deny = next(s for s in hds_checks() if s.id == "kubernetes.default_deny_ingress")
    findings = deny.func(scope, check_context(catalog, deny.id, tgt))
    assert [f.status for f in findings] == [Status.error]
    assert "networkpolicies could not be read (not in the dump" in findings[0].message


def test_secrets_and_unknown_kinds_are_skipped_unread(tmp_path):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "alpha-prod"}, "data": {}}
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "everything.json").write_text(json.dumps(m.as_list([m.namespace("alpha-prod"), secret])))
    snapshot = read_dump(dump, ClusterIdentity("dump", str(dump)))
    assert snapshot.object_count == 1


def test_invalid_json_names_file_and_line(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "pods.json").write_text('{"kind": "List",\n "items": [}')
    with pytest.raises(DumpError, match=r"pods\.json: line 2: invalid JSON"):
        read_dump(dump, ClusterIdentity("dump", str(dump)))


def test_object_without_name_names_file_and_kind(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "x.json").write_text(json.dumps(m.as_list([{"apiVersion": "v1", "kind": "Namespace", "metadata": {}}])))
    with pytest.raises(DumpError, match=r"x\.json: a Namespace has no metadata.name"):
        read_dump(dump, ClusterIdentity("dump", str(dump)))


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(DumpError, match="not a directory"):
        read_dump(tmp_path / "nowhere", ClusterIdentity("dump", "x"))
