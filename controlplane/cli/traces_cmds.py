"""`hdsctl traces`: export one tenant's access traces (sealed), and `hdsctl traces verify FILE`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import click

from controlplane.cli.options import CONFIG_OPTION
from controlplane.cli.output import FORMAT_OPTION, echo, emit_json
from controlplane.errors import InputError


def _instant(value: str | None, option: str) -> datetime | None:
    """An ISO date (its start, UTC) or date-time (naive means UTC)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError.single(option, "", f"{value!r} is not an ISO date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@click.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--tenant", "tenant_id", help="The tenant whose traces to export.")
@click.option("--since", help="Only accesses at or after this ISO date or date-time (UTC when naive).")
@click.option("--until", help="Only accesses before this ISO date or date-time (UTC when naive).")
@click.option(
    "--actor-kind",
    "actor_kinds",
    multiple=True,
    type=click.Choice(["staff", "client", "service", "unknown"]),
    help="Only these kinds of actor (repeatable). Default: all.",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "json", "html"]),
    default="csv",
    show_default=True,
    help="csv (spreadsheets), json (JSON lines), html (a page to read).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Export file to write.")
@click.option(
    "--signing-key",
    envvar="HDS_SIGNING_KEY",
    help="Ed25519 key sealing the export (as for runs): a PEM file or env:VAR (env HDS_SIGNING_KEY).",
)
@click.pass_context
def traces(
    ctx: click.Context,
    config_path: Path,
    tenant_id: str | None,
    since: str | None,
    until: str | None,
    actor_kinds: tuple[str, ...],
    export_format: str,
    output: Path | None,
    signing_key: str | None,
) -> None:
    """Export a tenant's access traces (HDS v2 EXI 15): who accessed its data, from where, what,
    when — read from the trace sources its targets declare (S3 server access logs, CloudTrail data
    events, Kubernetes audit logs, PostgreSQL logs), staff named from the fleet's staff directory,
    staff accesses from outside the EEA flagged. Writes FILE and FILE.seal.json; the client checks
    both offline with `hdsctl traces verify FILE`. Exit 1 when a source could not be read whole."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [o for o, v in (("--tenant", tenant_id), ("-o", output), ("--signing-key", signing_key)) if not v]
    if missing:
        raise InputError.single(missing[0], "", "required to export traces (see hdsctl traces --help)")
    assert tenant_id and output and signing_key
    window_since, window_until = _instant(since, "--since"), _instant(until, "--until")
    if window_since and window_until and window_since >= window_until:
        raise InputError.single("--since", "", "must be before --until")
    from controlplane.config import load_fleet
    from controlplane.evidence import load_signing_key
    from controlplane.runner import load_environment
    from controlplane.traces.export import export_traces, tenant_sources
    from controlplane.traces.record import ActorKind, TraceWindow

    key = load_signing_key(signing_key, "--signing-key")
    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    tenant = fleet.tenant(tenant_id)
    if tenant is None:
        raise InputError.single("--tenant", "", f"no tenant {tenant_id!r} in {fleet.path}")
    sources = tenant_sources(registry.pm, tenant, fleet.runtime.collect_timeout_s)
    if not sources:
        raise InputError.single(
            "--tenant", "", f"tenant {tenant_id!r} declares no trace source (trace_logs on its targets)"
        )
    outcome = export_traces(
        fleet,
        tenant,
        sources,
        output,
        export_format,
        key,
        TraceWindow(window_since, window_until),
        tuple(ActorKind(k) for k in actor_kinds),
    )
    echo(f"{outcome.records} accesses written to {outcome.path} (sealed: {outcome.seal.name})")
    for kind, n in outcome.by_kind.items():
        if n:
            echo(f"  {kind}: {n}")
    if outcome.flagged:
        echo(f"  staff accesses from outside the EEA (EXI 29): {outcome.flagged}")
    for s in outcome.sources:
        st = s.stats
        skipped = st.malformed + st.oversized
        line = f"  source {s.name}: {s.records} records, {st.lines} lines read"
        if skipped:
            line += f", {skipped} malformed or oversized lines skipped"
        echo(line)
        if s.error:
            echo(f"  source {s.name} could not be read: {s.error}", err=True)
    if not outcome.complete:
        ctx.exit(1)


@traces.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seal", type=click.Path(dir_okay=False, path_type=Path), help="Seal file (default: FILE.seal.json).")
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The host's public key (PEM), obtained through another channel: the seal must be made with it.",
)
@FORMAT_OPTION
def verify(file: Path, seal: Path | None, public_key: Path | None, fmt: str) -> None:
    """Check a trace export offline: its seal's Ed25519 signature, and that FILE is byte for byte
    the sealed one. Exit 0: verified; 1: tampered; 2: missing or unusable file."""
    from controlplane.traces.seal import NotVerified, verify_export

    try:
        result = verify_export(file, seal, public_key)
    except NotVerified as exc:
        if fmt == "json":
            emit_json({"verified": False, "reason": str(exc)})
        else:
            echo(f"NOT VERIFIED: {exc}")
        raise SystemExit(1) from None
    facts = result.facts
    if fmt == "json":
        emit_json({"verified": True, "key_id": result.key_id, "pinned": result.pinned, "seal": facts})
        return
    echo(f"verified: {file.name}, {facts['records']} accesses of tenant {facts['tenant']}")
    echo(
        f"key id {result.key_id}" + ("" if result.pinned else " (not pinned: compare with the host's published key id)")
    )
    if not facts.get("complete", True):
        echo("note: the export says some sources could not be read whole")
