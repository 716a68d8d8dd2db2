"""Options shared by several `hdsctl` commands: where the fleet file and the evidence store are,
and the key that seals runs."""

from __future__ import annotations

import os
from pathlib import Path

import click

DEFAULT_STORE = "hds-evidence.sqlite"


def _store_location(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """--store, else HDS_STORE, else the fleet file's `store:` key, else ./hds-evidence.sqlite.
    The fleet file is --config when the command has it (and it was given), else HDS_CONFIG,
    else ./hds.yaml; only its `store:` key is read here, the file is validated where it is used."""
    if value:
        return value
    config = ctx.params.get("config_path") or Path(os.environ.get("HDS_CONFIG") or "hds.yaml")
    from controlplane.config.store_setting import store_from_fleet_file

    return store_from_fleet_file(Path(config)) or DEFAULT_STORE


STORE_OPTION = click.option(
    "--store",
    envvar="HDS_STORE",
    default=None,
    callback=_store_location,
    help="Evidence store: a SQLite file path, or an SQLAlchemy URL. Default: env HDS_STORE, else the fleet "
    f"file's `store:` key, else ./{DEFAULT_STORE}.",
)


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    envvar="HDS_CONFIG",
    default="hds.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fleet file (env HDS_CONFIG).",
)


SIGNING_KEY_OPTION = click.option(
    "--signing-key",
    envvar="HDS_SIGNING_KEY",
    default=None,
    help="Seal the run when it ends with this Ed25519 key: a PEM file, or env:VAR (env HDS_SIGNING_KEY).",
)
"""For `hdsctl run`: load the key with `load_signing_key(value, "--signing-key")` before the run,
then call `seal_run(store, outcome.run_id, key)` once `execute` has returned."""


WITNESS_OPTION = click.option(
    "--witness",
    "witness_url",
    envvar="HDS_WITNESS",
    metavar="URL",
    default=None,
    help="After the run (and its seal), anchor each tenant's chain head outside the store: s3://BUCKET/PREFIX "
    "(S3 Object Lock, COMPLIANCE mode) or file:///PATH (local append-only file) (env HDS_WITNESS).",
)
"""For `hdsctl run`: open it with `open_witness(value)` before the run (a bad URL writes nothing),
then `anchor_run(store, run_id, witness)` once the run is sealed."""


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    envvar="HDS_LANG",
    default="en",
    show_default=True,
    help="Language of catalog text (control and ISO titles, objectives) (env HDS_LANG). Observed values and "
    "plugin messages stay as the endpoint or plugin wrote them.",
)
