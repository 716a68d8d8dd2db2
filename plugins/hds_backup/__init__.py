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

from controlplane.check_declarations import declared_checks
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind, deferred
from hds_backup.target import BackupTarget

if TYPE_CHECKING:
    import click

    from controlplane.demo_context import DemoContext
    from controlplane.reversibility.model import Reversibility

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
    """Each check is declared once, by `@check` at its function in the `checks*.py` modules."""
    return declared_checks(__name__)


@hookimpl(trylast=True)
def hds_demo_setup(ctx: DemoContext) -> None:
    """After the other plugins: the backups go to the S3 demo's endpoint when it runs."""
    from hds_backup.demo import demo_setup  # PostgreSQL and moto start only for `hdsctl demo`

    demo_setup(ctx)


@hookimpl
def hds_commands() -> list[click.Command]:
    from hds_backup.cli import backup  # click only: the command imports its work when it runs

    return [backup]


@hookimpl
def hds_reversibility() -> list[Reversibility]:
    """`hdsctl reversibility destroy-check`: no backup artefact nor scratch restore of the tenant
    remains (see `destruction`). Backups are not exported: the client gets its live data."""
    from controlplane.reversibility.model import Reversibility

    return [Reversibility("backup", inspect=deferred("hds_backup.destruction", "inspect_backup"))]
