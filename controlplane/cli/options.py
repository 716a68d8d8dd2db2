"""Options shared by several `hdsctl` commands: where the fleet file and the evidence store are,
and the key that seals runs."""

from __future__ import annotations

from pathlib import Path

import click

STORE_OPTION = click.option(
    "--store",
    envvar="HDS_STORE",
    default="hds-evidence.sqlite",
    show_default=True,
    help="Evidence store: a SQLite file path, or an SQLAlchemy URL (env HDS_STORE).",
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


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    envvar="HDS_LANG",
    default="en",
    show_default=True,
    help="Language of catalog text (control and ISO titles, objectives) (env HDS_LANG). Observed values and "
    "plugin messages stay as the endpoint or plugin wrote them.",
)
