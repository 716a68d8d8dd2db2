"""`hdsctl controls list --framework hds|iso27001`: a framework's requirements and their coverage."""

from __future__ import annotations

from controlplane.catalog import Catalog
from controlplane.catalog.frameworks import framework_rows
from controlplane.cli.output import emit_json, table


def print_framework(catalog: Catalog, framework: str, fmt: str, lang: str) -> None:
    rows = framework_rows(catalog, framework, lang)
    if fmt == "json":
        emit_json(rows)
        return
    table(
        None,
        ["ID", "Title", "Automated", "Attested"],
        [[r["id"], r["title"], ", ".join(r["automated"]) or "-", ", ".join(r["attested"]) or "-"] for r in rows],
    )
