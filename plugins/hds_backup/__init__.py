"""Built-in backup plugin: backups proven by restoring them (HDS activity 6).

Target kind `backup`: backup sets in an S3-compatible bucket — freshness against the tenant's
RPO, copy off-site and in the EEA, immutability (configuration and an optional deletion probe),
encryption of the stored objects, and a real restore test of the newest backup of each set
(PostgreSQL dumps into a scratch database, file archives into a scratch directory) compared with
its manifest and timed against the tenant's RTO. Command: `hdsctl backup manifest` (`cli.py`).

A database server's live configuration is another plugin's (`hds_postgresql`); this one reaches
PostgreSQL and S3 only through their public API modules, `hds_postgresql.api` and `hds_s3.api`.

Registered through the `hds.plugins` entry point like any outside plugin. boto3 and psycopg load
only when a target is collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_backup.target import BackupTarget

if TYPE_CHECKING:
    import click

    from controlplane.demo_context import DemoContext

__version__ = "0.1.0"


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [
        TargetKind(
            "backup",
            BackupTarget,
            deferred("hds_backup.collect", "collect_backup"),
            "Backup sets in an S3-compatible bucket, restore-tested",
        ),
    ]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [
        CheckSpec(
            "backup.freshness", "backup", deferred("hds_backup.checks", "freshness"), "newest backup within the RPO"
        ),
        CheckSpec(
            "backup.off_site", "backup", deferred("hds_backup.checks", "off_site"), "copy on another site, in the EEA"
        ),
        CheckSpec(
            "backup.immutability",
            "backup",
            deferred("hds_backup.checks", "immutability"),
            "copy cannot be deleted during retention",
        ),
        CheckSpec(
            "backup.encryption",
            "backup",
            deferred("hds_backup.checks", "encryption"),
            "backup objects encrypted at rest",
        ),
        CheckSpec(
            "backup.restore_integrity",
            "backup",
            deferred("hds_backup.checks_restore", "restore_integrity"),
            "restores, equal to manifest",
        ),
        CheckSpec(
            "backup.restore_time",
            "backup",
            deferred("hds_backup.checks_restore", "restore_time"),
            "restores within the RTO",
        ),
    ]


@hookimpl(trylast=True)
def hds_demo_setup(ctx: DemoContext) -> None:
    """After the other plugins: the backups go to the S3 demo's endpoint when it runs."""
    from hds_backup.demo import demo_setup  # PostgreSQL and moto start only for `hdsctl demo`

    demo_setup(ctx)


@hookimpl
def hds_commands() -> list[click.Command]:
    from hds_backup.cli import backup  # click only: the command imports its work when it runs

    return [backup]
