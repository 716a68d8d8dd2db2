"""`hdsctl demo`."""

from __future__ import annotations

from pathlib import Path

import click

from controlplane.cli.options import LANG_OPTION
from controlplane.cli.output import FORMAT_OPTION, echo


def _here(path: Path) -> str:
    """`path` as typed from the current folder (relative when below it), quoted for a shell."""
    import os
    import shlex

    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        shown = str(path)
    if shown.startswith(".."):
        shown = str(path)
    return shlex.quote(shown)


def follow_up(config: Path, store: Path, key_path: Path, workdir: Path) -> list[str]:
    """Commands that work as printed from the current folder: each names the demo's store."""
    s = _here(store)
    return [
        f"Demo fleet file: {_here(config)} · evidence store: {s}",
        "Next (from this folder):",
        f"  hdsctl runs list --store {s}",
        f"  hdsctl evidence verify --store {s} --public-key {_here(key_path.with_name(key_path.name + '.pub'))}",
        f"  hdsctl report --store {s} --tenant labo-est --format html -o {_here(workdir / 'labo-est.html')}",
        f"  hdsctl attestations list --store {s} --expiring-within 30d",
        f"  hdsctl soa -c {_here(config)} --store {s} --tenant clinique-sud "
        f"-o {_here(workdir / 'soa-clinique-sud.html')}",
        f"Or once for this shell: export HDS_STORE={s}",
    ]


@click.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default="hds-demo",
    show_default=True,
    help="Where the demo writes its certificates, hds.yaml and store.",
)
@LANG_OPTION
@FORMAT_OPTION
def demo(workdir: Path, lang: str, fmt: str) -> None:
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
            echo(f"note: {note}", err=True)
        if not key_path.exists():
            generate_key(key_path)
        from controlplane.demo.governance import record_demo_attestations, write_demo_waivers

        write_demo_waivers(config.parent)
        prepared = prepare(config, registry=registry)
        key = load_signing_key(key_path)
        if not store.exists():  # a second demo in the same folder keeps the first one's register
            record_demo_attestations(prepared.catalog, prepared.fleet, str(store), workdir, key)
        code = execute_and_report(prepared, str(store), fmt, signing_key=key, lang=lang)
        if fmt == "table":
            from controlplane.demo.traces import demo_traces

            lines, export = demo_traces(registry.pm, prepared.fleet, key, workdir)
            for line in lines:
                echo(line)
            if export is not None:
                pub = _here(key_path.with_name(key_path.name + ".pub"))
                echo(f"Check it offline: hdsctl traces verify {_here(export)} --public-key {pub}")
    if fmt == "table":
        for line in follow_up(config, store, key_path, workdir):
            echo(line)
    raise SystemExit(code)
