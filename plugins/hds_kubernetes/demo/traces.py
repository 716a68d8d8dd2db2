"""`hdsctl demo`: API-server audit log files for the demo tenants' namespaces (audit.k8s.io/v1
Events, JSON lines), one file every 40 hours over 370 days with its write time set accordingly,
so TRC-11..13 have something to judge and `hdsctl traces` something to show. The partial tenant's
audit log stopped three days ago."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _event(namespace: str, user: str, verb: str, resource: str, name: str, when: datetime, ip: str) -> str:
    stamp = when.isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": f"{namespace}-{int(when.timestamp())}-{verb}",
            "stage": "ResponseComplete",
            "requestURI": f"/api/v1/namespaces/{namespace}/{resource}/{name}",
            "verb": verb,
            "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": [ip],
            "userAgent": "kubectl/v1.33.0",
            "objectRef": {"resource": resource, "namespace": namespace, "name": name, "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": 200},
            "requestReceivedTimestamp": stamp,
            "stageTimestamp": stamp,
        }
    )


def write_audit_logs(directory: Path, namespaces: list[str], stopped: bool) -> dict[str, Any]:
    """Write the files; return the target's `trace_logs` entry."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    end = now - timedelta(days=3) if stopped else now - timedelta(minutes=30)
    ns = namespaces[0]
    for i in range(370 * 24 // 40):
        when = end - timedelta(hours=40 * i)
        path = directory / f"audit-{when:%Y-%m-%dT%H-%M-%S}.log"
        lines = [_event(ns, "admin.dupont", "get", "secrets", "db-credentials", when, "192.0.2.10")]
        if i == 0:
            lines += [
                _event(ns, "support.n2", "get", "pods", "portail-0", when, "198.51.100.7"),
                _event(ns, f"system:serviceaccount:{ns}:ci", "patch", "deployments", "portail", when, "10.244.0.5"),
            ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(path, (when.timestamp(), when.timestamp()))
    return {"audit_files": [str(directory / "audit-*.log")]}
