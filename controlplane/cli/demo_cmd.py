"""`hdsctl demo`."""

from __future__ import annotations

from pathlib import Path

import click

from controlplane.cli.output import FORMAT_OPTION


@click.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default="hds-demo",
    show_default=True,
    help="Where the demo writes its certificates, hds.yaml and store.",
)
@FORMAT_OPTION
def demo(workdir: Path, fmt: str) -> None:
    """Start a small local hosting environment (3 tenants on 127.0.0.1), sweep it, and say
    where the evidence is. Exit code 1 is expected: two demo tenants are not compliant."""
    from controlplane.cli.run_cmds import execute_and_report
    from controlplane.demo import demo_environment
    from controlplane.evidence import generate_key, load_signing_key
    from controlplane.runner import load_environment, prepare

    registry, _ = load_environment()
    workdir = workdir.resolve()
    store = workdir / "hds-evidence.sqlite"
    key_path = workdir / "signing-key"
    with demo_environment(registry, workdir) as (ctx, config):
        for note in ctx.notes:
            click.echo(f"note: {note}", err=True)
        if not key_path.exists():
            generate_key(key_path)
        from controlplane.governance.demo import record_demo_attestations, write_demo_waivers

        write_demo_waivers(config.parent)
        prepared = prepare(config, registry=registry)
        key = load_signing_key(key_path)
        if not store.exists():  # a second demo in the same folder keeps the first one's register
            record_demo_attestations(prepared.catalog, prepared.fleet, str(store), workdir, key)
        code = execute_and_report(prepared, str(store), fmt, signing_key=key)
    if fmt == "table":
        click.echo(f"Demo fleet file: {config}")
        click.echo("Next:")
        click.echo(f"  hdsctl runs list --store {store}")
        click.echo(f"  hdsctl evidence verify --store {store} --public-key {key_path}.pub")
        click.echo(f"  hdsctl report --store {store} --tenant labo-est --format html -o {workdir / 'labo-est.html'}")
        click.echo(f"  hdsctl attestations list --store {store} --expiring-within 30d")
        click.echo(
            f"  hdsctl soa -c {config} --store {store} --tenant clinique-sud -o {workdir / 'soa-clinique-sud.html'}"
        )
    raise SystemExit(code)
