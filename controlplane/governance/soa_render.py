"""The statement of applicability as a file: JSON (the document), CSV (one row per Annex A
control, for a spreadsheet), HTML (self-contained, printable, French by default) or an OSCAL
system-security-plan fragment (control implementation)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

FORMATS = ("html", "csv", "json", "oscal")

LABELS = {
    "fr": {
        "title": "Déclaration d'applicabilité",
        "host": "Hébergeur (tous les clients)",
        "tenant": "Client",
        "version": "Version",
        "date": "Date",
        "approved_by": "Approuvée par",
        "not_approved": "non approuvée",
        "activities": "Activités HDS du périmètre",
        "annex": "ISO/IEC 27001:2022 — annexe A (93 mesures)",
        "exi": "Référentiel HDS v2 — exigences EXI 01 à 31",
        "id": "Mesure",
        "req": "Exigence",
        "name": "Intitulé",
        "applicable": "Applicable",
        "justification": "Justification d'exclusion",
        "status": "Mise en œuvre",
        "controls": "Contrôles du catalogue",
        "hds": "Activités HDS",
        "evidence": "Preuves (empreintes)",
        "yes": "Oui",
        "no": "Non",
        "unverified": "libellé à vérifier sur le texte officiel",
        "compliant": "Conforme",
        "non_compliant": "Non conforme",
        "not_assessed": "Non évaluée",
        "to_justify": "À justifier",
        "excluded": "Exclue",
        "waived": "dérogation(s)",
        "note": "Statuts établis à partir des preuves : dernière exécution des contrôles automatisés, registre des "
        "attestations pour les contrôles attestés. « À justifier » : aucune mesure du catalogue ne la couvre ; "
        "le prestataire décrit sa mise en œuvre.",
    },
    "en": {
        "title": "Statement of applicability",
        "host": "Host (every tenant)",
        "tenant": "Tenant",
        "version": "Version",
        "date": "Date",
        "approved_by": "Approved by",
        "not_approved": "not approved",
        "activities": "HDS activities in scope",
        "annex": "ISO/IEC 27001:2022 — Annex A (93 controls)",
        "exi": "HDS referential v2 — requirements EXI 01 to 31",
        "id": "Control",
        "req": "Requirement",
        "name": "Title",
        "applicable": "Applicable",
        "justification": "Exclusion justification",
        "status": "Implementation",
        "controls": "Catalog controls",
        "hds": "HDS activities",
        "evidence": "Evidence (hashes)",
        "yes": "Yes",
        "no": "No",
        "unverified": "wording to check against the official text",
        "compliant": "Compliant",
        "non_compliant": "Non-compliant",
        "not_assessed": "Not assessed",
        "to_justify": "To justify",
        "excluded": "Excluded",
        "waived": "waiver(s)",
        "note": "Statuses come from the evidence: latest sweep for automated controls, the attestation register for "
        "attested ones. 'To justify': no catalog control covers it; the provider describes how it is met.",
    },
}

CSV_COLUMNS = (
    "id",
    "theme",
    "title",
    "applicable",
    "justification",
    "status",
    "controls",
    "hds_activities",
    "hds_v2",
    "evidence_count",
    "waived",
    "evidence_records",
)


def render_csv(soa: dict[str, Any]) -> str:
    """One row per Annex A control, UTF-8 with a BOM so spreadsheets read the accents."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in soa["annex_a"]:
        writer.writerow(
            [
                r["id"],
                r["theme"],
                r["title"],
                "yes" if r["applicable"] else "no",
                r["justification"],
                r["status"],
                " ".join(f"{c}={s}" for c, s in r["controls"].items()),
                " ".join(map(str, r["hds_activities"])),
                " ".join(r["hds_v2"]),
                r["evidence_count"],
                r["waived"],
                " ".join(r["evidence_records"]),
            ]
        )
    return "\ufeff" + out.getvalue()


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("controlplane.governance", "."),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(soa: dict[str, Any]) -> str:
    return _env().get_template("soa.html.j2").render(soa=soa, L=LABELS.get(soa["lang"], LABELS["fr"]))


def render_oscal(soa: dict[str, Any]) -> dict[str, Any]:
    """An OSCAL 1.1 system-security-plan fragment: one implemented requirement per Annex A
    control, applicability and status as props (namespace of this tool)."""
    ns = "https://hds-controlplane.example/ns/oscal"
    reqs = []
    for r in soa["annex_a"]:
        props = [
            {"name": "applicable", "ns": ns, "value": "yes" if r["applicable"] else "no"},
            {"name": "implementation-status", "ns": ns, "value": r["status"]},
        ]
        props += [{"name": "hds-activity", "ns": ns, "value": str(a)} for a in r["hds_activities"]]
        item: dict[str, Any] = {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"soa/{soa['scope']['tenant'] or 'host'}/{r['id']}")),
            "control-id": r["id"].lower().replace("a.", "a.", 1),
            "props": props,
        }
        if r["justification"]:
            item["remarks"] = r["justification"]
        if r["evidence_records"]:
            item["links"] = [{"href": f"#record-{h}", "rel": "evidence"} for h in r["evidence_records"]]
        reqs.append(item)
    return {
        "system-security-plan": {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"soa/{soa['scope']['tenant'] or 'host'}/{soa['date']}")),
            "metadata": {
                "title": LABELS.get(soa["lang"], LABELS["fr"])["title"],
                "last-modified": soa["date"],
                "version": soa["version"],
                "oscal-version": "1.1.2",
            },
            "control-implementation": {
                "description": "ISO/IEC 27001:2022 Annex A, HDS v2",
                "implemented-requirements": reqs,
            },
        }
    }


def render(soa: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(soa, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_csv(soa)
    if fmt == "html":
        return render_html(soa)
    if fmt == "oscal":
        return json.dumps(render_oscal(soa), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}")
