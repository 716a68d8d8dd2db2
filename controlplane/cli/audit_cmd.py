"""`hdsctl audit`: run the French features for tenants and write the evidence document."""

from __future__ import annotations

from pathlib import Path

import click

from controlplane.cli.options import CONFIG_OPTION, SIGNING_KEY_OPTION, STORE_OPTION


@click.command()
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", "tenants", multiple=True, required=True, help="Audited tenant (repeatable).")
@click.option("--tags", default="", help="Only scenarios with one of these tags, e.g. '@TLS-01,@HDS-6'.")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default="hds-audit",
    show_default=True,
    help="Folder for the rendered features, cucumber.json and preuves.html.",
)
@SIGNING_KEY_OPTION
def audit(
    config_path: Path, store: str, tenants: tuple[str, ...], tags: str, output: Path, signing_key: str | None
) -> None:
    """Sweep the tenants, execute the auditor's Gherkin features (French) on the results and
    write cucumber.json plus a French evidence document (preuves.html) in OUTPUT.

    With --signing-key (or HDS_SIGNING_KEY) the audited run is sealed and the key id printed.

    Exit code 0 when every scenario holds, 1 when one does not, 2 on bad input.
    """
    from controlplane.audit.features import validate_tags
    from controlplane.audit.session import FeaturesNotRun
    from controlplane.audit.session import audit as run_audit
    from controlplane.audit.summary import french_summary
    from controlplane.runner import prepare

    # Every input is checked before anything is swept or stored: a bad tag or key writes nothing.
    selected_tags = validate_tags(tags)
    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")
    prepared = prepare(config_path, tenants)
    try:
        outcome = run_audit(prepared, store, output.resolve(), selected_tags)
    except FeaturesNotRun as exc:
        click.echo(f"hdsctl: error: les scénarios n'ont pas pu être exécutés ({exc})", err=True)
        raise SystemExit(2) from None
    if key is not None:
        from controlplane.evidence import seal_run
        from controlplane.store import EvidenceStore

        with EvidenceStore.open(store, create=False) as with_store:
            sealed = seal_run(with_store, outcome.run.run_id, key)
        click.echo(f"Exécution {sealed.run_id} scellée, clé {sealed.key_id}")
    for line in french_summary(outcome.run.run_id, list(prepared.plan.tenants), outcome.results):
        click.echo(line)
    click.echo(f"Cucumber JSON : {outcome.cucumber_json}")
    click.echo(f"Dossier de preuves : {outcome.document}")
    raise SystemExit(outcome.exit_code)
