"""K8S-11, K8S-12: Ingress TLS and encrypted storage classes."""

from __future__ import annotations

from controlplane.results import Status
from hds_kubernetes.checks_encryption import ingress_tls, storage_encryption
from hds_kubernetes.demo import manifests as m
from tests.plugins.kubernetes.clusters import platform

NS = "alpha-prod"


def cluster(*objects):
    return [*platform(), m.namespace(NS), *objects]


def test_ingress_pass_when_every_host_has_tls(evaluate):
    ing = m.ingress(NS, "web", ["a.alpha.example", "b.alpha.example"], ["a.alpha.example", "b.alpha.example"])
    findings = evaluate(cluster(ing), ingress_tls)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].message == "Ingress web in alpha-prod serves a.alpha.example, b.alpha.example over TLS"


def test_ingress_wildcard_certificate_covers_one_label(evaluate):
    ing = m.ingress(NS, "web", ["a.alpha.example", "x.y.alpha.example"], ["*.alpha.example"])
    findings = evaluate(cluster(ing), ingress_tls)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == "Ingress web in alpha-prod serves x.y.alpha.example without TLS"


def test_ingress_fail_without_tls(evaluate):
    findings = evaluate(cluster(m.ingress(NS, "web", ["a.alpha.example"])), ingress_tls)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].evidence["tls_hosts"] == []


def test_ingress_fail_when_plain_http_stays_open(evaluate):
    ing = m.ingress(
        NS, "web", ["a.alpha.example"], ["a.alpha.example"], {"nginx.ingress.kubernetes.io/ssl-redirect": "false"}
    )
    findings = evaluate(cluster(ing), ingress_tls)
    assert [f.status for f in findings] == [Status.failed]
    assert "also served over plain HTTP" in findings[0].message


def test_no_ingress_is_not_applicable(evaluate):
    findings = evaluate(cluster(), ingress_tls)
    assert [f.status for f in findings] == [Status.not_applicable]


def test_storage_pass_on_declared_encrypted_class(evaluate):
    findings = evaluate(cluster(m.pvc(NS, "data", "encrypted-ssd")), storage_encryption)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["provisioner"] == "ebs.csi.aws.com"
    assert findings[0].evidence["encryption_parameters"] == {"encrypted": "true"}


def test_storage_default_class_is_resolved(evaluate):
    findings = evaluate(cluster(m.pvc(NS, "data", None)), storage_encryption)
    assert [f.status for f in findings] == [Status.passed]
    assert findings[0].evidence["storage_class"] == "encrypted-ssd"
    assert findings[0].evidence["storage_class_from_default"] is True


def test_storage_fail_on_undeclared_class(evaluate):
    findings = evaluate(cluster(m.pvc(NS, "data", "plain-hdd")), storage_encryption)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].message == "PVC data in alpha-prod uses StorageClass plain-hdd: not declared encrypted"


def test_storage_fail_when_nothing_is_declared_encrypted(evaluate):
    findings = evaluate(cluster(m.pvc(NS, "data", "encrypted-ssd")), storage_encryption, encrypted_storage_classes=[])
    assert [f.status for f in findings] == [Status.failed]
    assert "none is declared encrypted for this target" in findings[0].message


def test_storage_fail_on_pre_provisioned_volume(evaluate):
    findings = evaluate(cluster(m.pvc(NS, "legacy", "")), storage_encryption)
    assert [f.status for f in findings] == [Status.failed]
    assert "pre-provisioned volume" in findings[0].message


# -- what will run, and which default applies (issue 23 review) -----------------------------------


def test_a_statefulsets_claim_templates_are_judged_for_its_next_replicas(evaluate):
    db = m.statefulset(NS, "db", 2)
    db["spec"]["volumeClaimTemplates"] = [
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "plain-hdd",
                "resources": {"requests": {"storage": "10Gi"}},
            },
        }
    ]
    objs = [*platform(), m.namespace(NS), db, m.pvc(NS, "data-db-0", "encrypted-ssd")]
    findings = evaluate(objs, storage_encryption)
    assert [(f.status, f.resource) for f in findings] == [
        (Status.passed, f"{NS}/PersistentVolumeClaim/data-db-0"),
        (Status.failed, f"{NS}/StatefulSet/db/volumeClaimTemplates/data"),
    ]
    assert findings[1].message == (
        f"volumeClaimTemplate data of StatefulSet db in {NS} uses StorageClass plain-hdd: not declared encrypted"
    )


def test_of_several_default_classes_the_newest_applies(evaluate):
    newer_default = m.storage_class("aa-fast", "ebs.csi.aws.com", default=True, created="2026-06-01T00:00:00Z")
    objs = [*platform(), newer_default, m.namespace(NS), m.pvc(NS, "data", None)]
    findings = evaluate(objs, storage_encryption)
    assert [f.status for f in findings] == [Status.failed]
    assert findings[0].evidence["storage_class"] == "aa-fast"
    assert findings[0].evidence["storage_class_from_default"] is True
