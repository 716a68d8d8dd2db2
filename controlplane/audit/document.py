"""The auditor's evidence document: one self-contained French HTML file listing each scenario,
its steps and outcome, what was observed, and the hash of every stored evidence record."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from controlplane.audit.summary import ScenarioResult
from controlplane.results import RESULT_FR
from controlplane.runner import Prepared
from controlplane.store import describe_location

STATUS_FR = {"passed": "conforme", "failed": "non conforme", "skipped": "non applicable", "undefined": "non défini"}

TEMPLATE = "preuves.html.j2"


def _css(label: str) -> str:
    return label.replace(" ", "-")


def _outline_tenant(element_id: str) -> str | None:
    """The tenant row of an outline, from the scenario id (`test_…[tenant]`)."""
    match = re.search(r"\[([^\]]+)\]$", element_id)
    return match.group(1) if match else None


def _scenario_status(element: dict[str, Any]) -> str:
    statuses = [s["result"]["status"] for s in element.get("steps", [])]
    if "failed" in statuses:
        return "failed"
    if "skipped" in statuses:
        return "skipped"
    return "passed" if statuses and all(s == "passed" for s in statuses) else "undefined"


def build_model(
    cucumber: list[dict[str, Any]], observations: dict[str, dict[str, Any]], prepared: Prepared
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    catalog = prepared.catalog
    counts = {"conforme": 0, "non conforme": 0, "non applicable": 0, "non défini": 0}
    out = []
    for feature in cucumber:
        scenarios = []
        for el in feature.get("elements", []):
            tags = [t["name"].lstrip("@") for t in el.get("tags", [])]
            obs = observations.get(el["id"], {})
            props = obs.get("properties", {})
            status = STATUS_FR[_scenario_status(el)]
            counts[status] += 1
            records = [
                {
                    **r,
                    "status": RESULT_FR.get(r["status"], r["status"]),
                    "css": _css(RESULT_FR.get(r["status"], "")),
                    "evidence": json.dumps(r["evidence"], ensure_ascii=False, indent=1, sort_keys=True),
                }
                for r in props.get("hds_records", [])
            ]
            scenarios.append(
                {
                    "anchor": el["id"],
                    "name": el["name"],
                    "tenant": props.get("hds_tenant") or _outline_tenant(el["id"]),
                    "status": status,
                    "css": _css(status),
                    "controls": [
                        {"id": t, "title": catalog.controls[t].title.fr} for t in tags if t in catalog.controls
                    ],
                    "activities": [
                        {"number": int(t[4:]), "title": catalog.activities[int(t[4:])].title.fr}
                        for t in tags
                        if t.startswith("HDS-") and t[4:].isdigit() and int(t[4:]) in catalog.activities
                    ],
                    "iso": [
                        {"id": t[4:], "title": catalog.iso_controls[t[4:]].title_for("fr")}
                        for t in tags
                        if t.startswith("ISO-") and t[4:] in catalog.iso_controls
                    ],
                    "steps": [
                        {
                            "keyword": s["keyword"],
                            "name": s["name"],
                            "status": STATUS_FR.get(s["result"]["status"], s["result"]["status"]),
                            "css": _css(RESULT_FR.get(s["result"]["status"], "")),
                            "error": s["result"].get("error_message", ""),
                        }
                        for s in el.get("steps", [])
                    ],
                    "reason": obs.get("message", "") if obs.get("outcome") == "skipped" else "",
                    "observed": json.dumps(props["hds_observed"], ensure_ascii=False, indent=1)
                    if "hds_observed" in props
                    else "",
                    "records": records,
                }
            )
        out.append({"name": feature["name"], "scenarios": scenarios})
    return out, counts


def _observations(path: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            current = out.setdefault(entry["item"], {"properties": {}})
            current["properties"].update(entry["properties"])
            if entry["outcome"] != "passed" or "outcome" not in current:
                current["outcome"], current["message"] = entry["outcome"], entry["message"]
    return out


def enrich_cucumber(cucumber: list[dict[str, Any]], observations: dict[str, dict[str, Any]]) -> None:
    """Put what each scenario observed into the cucumber JSON (step `output`), and mark the
    step where a not-applicable scenario stopped as `skipped` (pytest-bdd reports it passed)."""
    for feature in cucumber:
        for el in feature.get("elements", []):
            obs = observations.get(el["id"])
            steps = el.get("steps", [])
            if not obs or not steps:
                continue
            records = obs["properties"].get("hds_records", [])
            lines = [
                f"{r['target']} {r['resource']}".strip()
                + f" : {r['status']} — {r['message']} (enregistrement {r['record_hash']})"
                for r in records
            ]
            when = next((s for s in steps if "contrôle" in s["name"]), steps[-1])
            if lines:
                when["output"] = lines
            if obs.get("outcome") == "skipped":
                steps[-1]["result"] = {"status": "skipped", "duration": steps[-1]["result"].get("duration", 0)}
                steps[-1].setdefault("output", []).append(obs.get("message", ""))


def scenario_results(model: list[dict[str, Any]]) -> list[ScenarioResult]:
    """Each scenario's tenant, controls and French status, for the console summary."""
    return [
        ScenarioResult(sc["tenant"] or "", tuple(c["id"] for c in sc["controls"]), sc["name"], sc["status"])
        for feature in model
        for sc in feature["scenarios"]
    ]


def _governance(store_location: str, tenants: list[str]) -> dict[str, Any]:
    """The audited tenants' attestations and waivers, as the register stands at the audit."""
    from controlplane.governance.clock import now
    from controlplane.governance.summary import governance_records
    from controlplane.store import EvidenceStore

    store = EvidenceStore.open(store_location, create=False)
    try:
        return governance_records(store, tenants, now())
    finally:
        store.close()


def write_document(
    path: Path, cucumber_path: Path, observations_path: Path, prepared: Prepared, run_id: str, store: str
) -> tuple[dict[str, int], list[ScenarioResult]]:
    cucumber = json.loads(cucumber_path.read_text(encoding="utf-8")) if cucumber_path.exists() else []
    observations = _observations(observations_path)
    enrich_cucumber(cucumber, observations)
    cucumber_path.write_text(json.dumps(cucumber, ensure_ascii=False, indent=1), encoding="utf-8")
    model, counts = build_model(cucumber, observations, prepared)
    env = Environment(loader=PackageLoader("controlplane.audit", "."), autoescape=select_autoescape(default=True))
    governance = _governance(store, list(prepared.plan.tenants))
    html = env.get_template(TEMPLATE).render(
        tenants=list(prepared.plan.tenants),
        run_id=run_id,
        store=describe_location(store),
        generated=datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC"),
        catalog_digest=prepared.catalog.digest,
        config_digest=prepared.fleet.digest,
        counts=counts,
        features=model,
        governance=governance,
    )
    path.write_text(html, encoding="utf-8")
    return counts, scenario_results(model)
