"""The catalog seen from a framework: each HDS v2 requirement (EXI) or ISO 27001:2022 Annex A
control with the catalog controls that evidence it. What `hdsctl controls list --framework`
prints and what the statement of applicability builds on."""

from __future__ import annotations

from typing import Any

from controlplane.catalog.loader import Catalog

FRAMEWORKS = ("hds", "iso27001")


def framework_rows(catalog: Catalog, framework: str, lang: str = "fr") -> list[dict[str, Any]]:
    """One row per requirement of `framework`, in the framework's order, with the ids of the
    automated and attested controls mapped to it (empty lists: not covered by the catalog)."""
    rows: list[dict[str, Any]] = []
    if framework == "hds":
        for req in catalog.hds_requirements.values():
            mapped = catalog.controls_for_requirement(req.id)
            rows.append(
                {
                    "id": req.id,
                    "chapter": req.chapter,
                    "title": req.title.get(lang),
                    "summary": req.summary.get(lang),
                    "hds_activities": list(req.hds_activities),
                    "verified": req.verified,
                    "automated": [c.id for c in mapped if c.check],
                    "attested": [c.id for c in mapped if not c.check],
                }
            )
        return rows
    if framework == "iso27001":
        for iso in catalog.iso_controls.values():
            mapped = [c for c in catalog.controls.values() if iso.id in c.iso27001]
            rows.append(
                {
                    "id": iso.id,
                    "theme": iso.theme,
                    "title": iso.title_for(lang),
                    "automated": [c.id for c in mapped if c.check],
                    "attested": [c.id for c in mapped if not c.check],
                }
            )
        return rows
    raise ValueError(f"unknown framework {framework!r}")
