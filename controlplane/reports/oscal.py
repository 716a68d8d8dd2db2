"""OSCAL assessment-results (JSON) for GRC tools: one result per run, one observation per stored
result, one finding per control with a verdict.

Identifiers are name-based UUIDs (v5) of the tenant, run and record, so the same run always yields
the same document. Our own facts (status, record hash, HDS activities, ISO 27001 mapping) are
properties in the project's namespace, as OSCAL requires for names outside NIST's.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from controlplane import __version__

OSCAL_VERSION = "1.2.1"
NS = "urn:hds-controlplane:oscal"
_UUID_NS = uuid.UUID("5b0c63a6-5d1f-4e8e-9b7a-0d2f3c4a6e11")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NS, "/".join(parts)))


def _line(text: str, fallback: str = "-") -> str:
    """OSCAL titles and property values are one line without surrounding whitespace."""
    cleaned = re.sub(r"\s+", " ", text).strip()
    return cleaned or fallback


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _line(str(value))}


def _observation(tenant: str, run_id: str, f: dict[str, Any]) -> dict[str, Any]:
    props = [
        _prop("status", f["status"]),
        _prop("control", f["control"]),
        _prop("target-kind", f["target_kind"] or "-"),
        _prop("target", f["target"] or "-"),
        _prop("record-hash", f["record_hash"]),
        *(_prop("hds-activity", a) for a in f["hds_activities"]),
        *(_prop("iso27001-control", i) for i in f["iso27001"]),
    ]
    if f["resource"]:
        props.insert(4, _prop("resource", f["resource"]))
    observation: dict[str, Any] = {
        "uuid": _uuid(tenant, run_id, "observation", str(f["seq"])),
        "title": _line(f"{f['control']} — {f['target'] or f['target_kind'] or '-'}"),
        "description": f["message"] or f["status"],
        "props": props,
        "methods": ["TEST"],
        "collected": f["started_at"],
    }
    if f["evidence"]:
        observation["relevant-evidence"] = [
            {
                "description": json.dumps(f["evidence"], ensure_ascii=False, sort_keys=True),
                "props": [_prop("record-hash", f["record_hash"])],
            }
        ]
    return observation


def _findings(tenant: str, run_id: str, report: dict[str, Any], observations: dict[int, str]) -> list[dict[str, Any]]:
    by_control: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        by_control.setdefault(f["control"], []).append(f)
    findings = []
    for control, items in by_control.items():
        statuses = [f["status"] for f in items]
        if all(s == "not_applicable" for s in statuses):
            continue
        satisfied = all(s in ("pass", "not_applicable") for s in statuses)
        reason = "pass" if satisfied else ("fail" if "fail" in statuses else "other")
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in ("pass", "fail", "error") if s in statuses)
        first = items[0]
        props = [_prop("iso27001-control", i) for i in first["iso27001"]]
        props += [_prop("hds-activity", a) for a in sorted({a for f in items for a in f["hds_activities"]})]
        if first["severity"]:
            props.append(_prop("severity", first["severity"]))
        advice = f"\n\n{first['remediation']}" if not satisfied and first["remediation"] else ""
        finding: dict[str, Any] = {
            "uuid": _uuid(tenant, run_id, "finding", control),
            "title": _line(f"{control} — {first['title']}"),
            "description": f"{counts}.{advice}",
            "props": props,
            "target": {
                "type": "objective-id",
                "target-id": control,
                "status": {"state": "satisfied" if satisfied else "not-satisfied", "reason": reason},
            },
            "related-observations": [{"observation-uuid": observations[f["seq"]]} for f in items],
        }
        findings.append(finding)
    return findings


def render_oscal(report: dict[str, Any]) -> dict[str, Any]:
    tenant, run = report["tenant"], report["run"]
    tid, rid = tenant["id"], run["run_id"]
    catalog_resource = _uuid(tid, rid, "catalog")
    observations = [_observation(tid, rid, f) for f in report["findings"]]
    uuids = {f["seq"]: o["uuid"] for f, o in zip(report["findings"], observations, strict=True)}
    controls = sorted({f["control"] for f in report["findings"]})
    result: dict[str, Any] = {
        "uuid": _uuid(tid, rid, "result"),
        "title": _line(f"HDS run {rid} — {tenant['name']}"),
        "description": f"Automated HDS compliance checks of tenant {tenant['name']} ({tid}), run {rid}.",
        "start": run["started_at"],
        "props": [
            _prop("tenant", tid),
            _prop("run-id", rid),
            _prop("run-status", run["status"]),
            _prop("tool-version", run["tool_version"]),
        ],
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": c} for c in controls]} if controls else {"include-all": {}}
            ]
        },
    }
    if run["finished_at"]:
        result["end"] = run["finished_at"]
    if observations:
        result["observations"] = observations
    findings = _findings(tid, rid, report, uuids)
    if findings:
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": _uuid(tid, rid, "assessment-results"),
            "metadata": {
                "title": _line(f"Résultats d'évaluation HDS — {tenant['name']}"),
                "last-modified": report["generated_at"],
                "version": rid,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("tenant", tid), _prop("generator", f"hds-controlplane {__version__}")],
                "parties": [{"uuid": _uuid(tid, "party"), "type": "organization", "name": _line(tenant["name"])}],
            },
            "import-ap": {"href": f"#{catalog_resource}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": catalog_resource,
                        "title": "HDS control catalog (hds-controlplane)",
                        "description": "The control catalog the run assessed against; no separate assessment plan.",
                        "props": [_prop("catalog-digest", run["catalog_digest"] or "-")],
                    }
                ]
            },
        }
    }
