"""Kubernetes audit log files (audit.k8s.io/v1 Event, JSON lines, as the API server writes them)
shared by two tenants: each tenant's export holds only the events of its namespaces."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.evidence import generate_key
from controlplane.traces.record import ReadStats, TraceWindow
from hds_kubernetes.target import KubernetesTarget
from hds_kubernetes.traces import KubernetesAuditSource

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def event(namespace: str | None, user: str, verb: str, resource: str, name: str, minute: int, **extra: Any) -> str:
    stamp = (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", ".123456Z")
    doc: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": f"id-{namespace}-{minute}",
        "stage": extra.pop("stage", "ResponseComplete"),
        "requestURI": f"/api/v1/namespaces/{namespace}/{resource}/{name}",
        "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.1.2.3"],
        "userAgent": "kubectl/v1.33.0",
        "objectRef": {"resource": resource, "name": name, "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": stamp,
        "stageTimestamp": stamp,
        **extra,
    }
    if namespace is not None:
        doc["objectRef"]["namespace"] = namespace
    return json.dumps(doc)


def _write(tmp_path: Path) -> Path:
    audit = tmp_path / "audit"
    audit.mkdir()
    lines = [
        event("clinique-a", "ops.alice", "get", "secrets", "db-password", 0),
        event("clinique-a", "ops.alice", "get", "secrets", "db-password", 0, stage="RequestReceived"),
        event("clinique-b", "ops.alice", "list", "pods", "", 1),
        event(None, "system:kube-scheduler", "get", "nodes", "n1", 2),
        "{not json",
        event("clinique-a", "system:serviceaccount:clinique-a:app", "update", "configmaps", "settings", 3),
    ]
    (audit / "audit.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rotated = [
        event("clinique-a", "support.bob", "get", "pods", "web-0", -60),
        event("clinique-b", "x", "get", "pods", "p", -59),
    ]
    with gzip.open(audit / "audit-2026-11-20T08-00.log.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(rotated) + "\n")
    return audit


def _target(audit: Path, ns: str) -> dict[str, Any]:
    return {
        "name": "cluster-paris",
        "dump_dir": str(audit.parent),
        "namespaces": [ns],
        "trace_logs": {"audit_files": [str(audit / "audit*.log*")]},
    }


def test_only_the_tenants_namespaces_final_stage_events_are_kept(tmp_path: Path):
    audit = _write(tmp_path)
    source = KubernetesAuditSource(KubernetesTarget.model_validate(_target(audit, "clinique-a")))
    stats = ReadStats()
    records = list(source.read(TraceWindow(), stats))
    assert sorted((r.actor, r.action, r.resource) for r in records) == [
        ("ops.alice", "get", "k8s://cluster-paris/clinique-a/secrets/db-password"),
        ("support.bob", "get", "k8s://cluster-paris/clinique-a/pods/web-0"),
        ("system:serviceaccount:clinique-a:app", "update", "k8s://cluster-paris/clinique-a/configmaps/settings"),
    ]
    assert [r.actor_kind for r in records if r.actor.startswith("system:")] == ["service"]
    assert (stats.malformed, stats.out_of_scope) == (1, 3)


def test_export_of_one_tenant_never_holds_another_namespace(tmp_path: Path):
    audit = _write(tmp_path)
    fleet = {
        "version": 1,
        "staff_directory": {"staff": [{"principals": ["ops.*"], "name": "Alice Ops", "country": "US"}]},
        "tenants": [
            {
                "id": t,
                "name": t,
                "activities": [5],
                "contract": {"rpo_hours": 24, "rto_hours": 4},
                "targets": {"kubernetes": [_target(audit, ns)]},
            }
            for t, ns in (("tenant-a", "clinique-a"), ("tenant-b", "clinique-b"))
        ],
    }
    config = tmp_path / "hds.yaml"
    config.write_text(yaml.safe_dump(fleet), encoding="utf-8")
    key, pub, _ = generate_key(tmp_path / "k")
    out = tmp_path / "b.json"
    args = [
        "traces",
        "-c",
        str(config),
        "--tenant",
        "tenant-b",
        "-o",
        str(out),
        "--signing-key",
        str(key),
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["resource"], r["actor_kind"], r["outside_eea"]) for r in rows] == [
        ("k8s://cluster-paris/clinique-b/pods/p", "unknown", False),
        ("k8s://cluster-paris/clinique-b/pods", "staff", True),
    ]
    assert CliRunner().invoke(cli, ["traces", "verify", str(out), "--public-key", str(pub)]).exit_code == 0


def test_trace_logs_need_namespace_names():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"namespaces\.names"):
        KubernetesTarget.model_validate(
            {"name": "c", "dump_dir": "/x", "namespaces": {"selector": {"matchLabels": {"t": "a"}}},
             "trace_logs": {"audit_files": ["/x/*.log"]}}
        )  # fmt: skip
