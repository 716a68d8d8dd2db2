"""`hdsctl soa`: the statement of applicability (déclaration d'applicabilité, HDS v2 EXI 08)."""

from __future__ import annotations

from pathlib import Path

import click

from controlplane.cli.options import CONFIG_OPTION, STORE_OPTION


@click.command()
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", help="One tenant's statement (default: the host's, over every tenant).")
@click.option("--activity", type=click.IntRange(1, 6), help="Only this HDS activity.")
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json", "oscal"]), default="html", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout)."
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--soa-version", "soa_version", default="1", show_default=True, help="Version of this statement.")
@click.option("--approved-by", help="Who approved this statement (shown in it).")
def soa(
    config_path: Path,
    store: str,
    tenant: str | None,
    activity: int | None,
    fmt: str,
    output: Path | None,
    lang: str,
    soa_version: str,
    approved_by: str | None,
) -> None:
    """Write the statement of applicability: the 93 ISO/IEC 27001:2022 Annex A controls
    (applicable, or excluded with the justification of soa-exclusions.yaml beside the fleet
    file; implementation status from the evidence; HDS activities; evidence record hashes) and
    the HDS v2 requirements EXI 01-31. An Annex A control is compliant only when every catalog
    control mapped to it (automated and attested) is satisfied."""
    from controlplane.config import load_fleet
    from controlplane.governance.clock import now
    from controlplane.governance.soa import build_soa, load_exclusions
    from controlplane.governance.soa_render import render
    from controlplane.runner import load_environment
    from controlplane.store import EvidenceStore

    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    exclusions = load_exclusions(config_path, catalog)
    evidence = EvidenceStore.open(store, create=False)
    try:
        document = build_soa(
            evidence, catalog, fleet, exclusions, now(), tenant, activity, soa_version, approved_by, lang
        )
    finally:
        evidence.close()
    text = render(document, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        s = document["summary"]
        click.echo(
            f"{output}: {len(document['annex_a'])} Annex A controls ({s['compliant']} compliant, "
            f"{s['non_compliant']} non-compliant, {s['not_assessed']} not assessed, {s['to_justify']} to justify, "
            f"{s['excluded']} excluded), {len(document['hds_v2'])} HDS v2 requirements",
            err=True,
        )
