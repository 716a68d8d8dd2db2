"""`hdsctl backup manifest`: write the manifest of an existing dump or archive, so current backup
jobs can adopt restore tests. The plugin adds the command through the `hds_commands` hook; the work
(`hds_backup.manifest_build`) is imported only when the command runs, so `hdsctl --help` loads no
database driver."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import click

from controlplane.cli.output import FORMAT_OPTION, emit_json
from controlplane.errors import InputError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


@click.group()
def backup() -> None:
    """Backups proven by restoring them: manifests for existing backup artefacts."""


def _env_option(value: str | None, option: str) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise InputError.single(option, "", f"{value!r} is not an environment variable name")
    return value


def _created_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError.single("--created-at", "", f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise InputError.single("--created-at", "", "needs a time zone (e.g. 2026-05-04T01:00:00Z)")
    return parsed


@backup.command("manifest")
@click.argument("artefact", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--backup-format",
    "backup_format",
    type=click.Choice(["pg_custom", "pg_plain", "tar"]),
    required=True,
    help="pg_custom: pg_dump -Fc; pg_plain: plain SQL from pg_dump; tar: file archive.",
)
@click.option(
    "--compression",
    type=click.Choice(["auto", "none", "gzip", "zstd"]),
    default="auto",
    show_default=True,
    help="Compression around the artefact (auto: from its first bytes).",
)
@click.option(
    "--scratch-dsn-env",
    metavar="VAR",
    help="Variable holding the DSN of a scratch server: the dump is restored there to compute the tables' digests.",
)
@click.option(
    "--source-dsn-env",
    metavar="VAR",
    help="Variable holding the DSN of the live source: digests read there (exact only if unchanged since the dump).",
)
@click.option("--source-name", help="Label of the backed-up data (default: the artefact's name up to its first dot).")
@click.option("--created-at", help="Recovery point, ISO 8601 with time zone (default: the artefact's mtime).")
@click.option("--pg-bindir", type=click.Path(file_okay=False), help="Directory of pg_restore/psql.")
@click.option("--allow-superuser", is_flag=True, help="Accept a superuser role on the scratch server.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Manifest file to write (default: ARTEFACT.manifest.json); '-' prints it.",
)
@FORMAT_OPTION
def manifest(
    artefact: Path,
    backup_format: str,
    compression: str,
    scratch_dsn_env: str | None,
    source_dsn_env: str | None,
    source_name: str | None,
    created_at: str | None,
    pg_bindir: str | None,
    allow_superuser: bool,
    output: Path | None,
    fmt: str,
) -> None:
    """Write the manifest of ARTEFACT (a PostgreSQL dump or a tar archive, optionally gzip or
    zstd): its SHA-256 and size, and per-table row counts and checksums (PostgreSQL) or per-file
    SHA-256 (archives). Upload it beside the artefact as ARTEFACT_KEY.manifest.json."""
    import tarfile

    from controlplane.secrets import SecretRef, SecretResolutionError
    from hds_backup.manifest_build import ManifestBuildError, build_manifest
    from hds_backup.pg_tools import ConnectionSettingsError, Conninfo
    from hds_backup.restore_tar import UnsafeMember
    from hds_backup.streams import SizeLimitExceeded, decompression_errors

    scratch_var = _env_option(scratch_dsn_env, "--scratch-dsn-env")
    source_var = _env_option(source_dsn_env, "--source-dsn-env")
    if backup_format == "tar" and (scratch_var or source_var):
        raise InputError.single("--backup-format", "", "a tar archive needs no database: drop the DSN options")
    if backup_format != "tar" and (scratch_var is None) == (source_var is None):
        raise InputError.single(
            str(artefact), "", "a PostgreSQL dump needs exactly one of --scratch-dsn-env or --source-dsn-env"
        )
    when = _created_at(created_at)
    unusable = (ManifestBuildError, UnsafeMember, ConnectionError, PermissionError, SizeLimitExceeded, tarfile.TarError)
    try:
        scratch = Conninfo.from_ref(SecretRef(env=scratch_var)) if scratch_var else None
        source = Conninfo.from_ref(SecretRef(env=source_var)) if source_var else None
        built = build_manifest(
            artefact,
            backup_format,
            compression=compression,
            source_name=source_name,
            created_at=when,
            source=source,
            scratch=scratch,
            pg_bindir=pg_bindir,
            allow_superuser=allow_superuser,
        )
    except (SecretResolutionError, ConnectionSettingsError) as exc:
        raise InputError.single("--scratch-dsn-env" if scratch_var else "--source-dsn-env", "", str(exc)) from None
    except (*unusable, *decompression_errors()) as exc:
        raise InputError.single(str(artefact), "", str(exc)) from None
    text = built.dumps()
    target = output or artefact.with_name(artefact.name + ".manifest.json")
    if str(target) == "-":
        click.echo(text, nl=False)
        return
    target.write_text(text, encoding="utf-8")
    summary = {
        "manifest": str(target),
        "sha256": built.artefact.sha256,
        "size": built.artefact.size,
        "compression": built.artefact.compression,
        "created_at": built.created_at.isoformat(),
        "tables": len(built.tables or ()),
        "rows": sum(t.rows for t in built.tables or ()),
        "files": len(built.files or ()),
    }
    if fmt == "json":
        emit_json(summary)
        return
    content = (
        f"{summary['files']} files" if backup_format == "tar" else f"{summary['tables']} tables, {summary['rows']} rows"
    )
    click.echo(f"Wrote {target}: {content}, sha256 {built.artefact.sha256}")
