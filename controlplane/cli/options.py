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
