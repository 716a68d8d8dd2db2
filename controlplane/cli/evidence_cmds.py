"""`hdsctl evidence keygen|seal|verify|anchor|export`: signing keys, run seals, checks, anchoring in a
witness, auditor bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from controlplane.cli.options import STORE_OPTION
from controlplane.cli.output import FORMAT_OPTION, emit_json
from controlplane.errors import InputError
from controlplane.results import RunStatus

KEY_OPTION = click.option(
    "--key",
    "--signing-key",
    "key",
    envvar="HDS_SIGNING_KEY",
    required=True,
    help="Ed25519 private key: a PEM file, or env:VAR naming a variable that holds the PEM (env HDS_SIGNING_KEY).",
)


def _open(store: str, integrity: str | None = None) -> Any:
    from controlplane.store import EvidenceStore

    return EvidenceStore.open(store, create=False, integrity=integrity)


@click.group()
def evidence() -> None:
    """Tamper-evident evidence: signing keys, run seals, verification, auditor bundles."""


@evidence.command("keygen")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Private key file to create (mode 0600); the public key is written to OUTPUT.pub.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing key (the old one is lost).")
@FORMAT_OPTION
def keygen(output: Path, force: bool, fmt: str) -> None:
    """Create an Ed25519 key pair for sealing runs. Keep the private key secret (a file readable
    only by the runner, or a Kubernetes Secret); publish the key id to your auditors."""
    from controlplane.evidence import generate_key

    private, public, kid = generate_key(output, force)
    if fmt == "json":
        emit_json({"private_key": str(private), "public_key": str(public), "key_id": kid})
        return
    click.echo(f"Private key: {private} (keep it secret)")
    click.echo(f"Public key:  {public}")
    click.echo(f"Key id:      {kid}")


@evidence.command("seal")
@STORE_OPTION
@click.option("--run", "run_id", required=True, help="The finished run to seal.")
@KEY_OPTION
@FORMAT_OPTION
def seal(store: str, run_id: str, key: str, fmt: str) -> None:
    """Sign a finished run: one Ed25519 seal per tenant over its record count and first/last
    record hash. Refused if the run's records no longer match their hashes."""
    from controlplane.evidence import load_signing_key, seal_run

    private = load_signing_key(key)
    with _open(store) as s:
        outcome = seal_run(s, run_id, private)
    if fmt == "json":
        emit_json(
            {
                "run_id": outcome.run_id,
                "key_id": outcome.key_id,
                "tenants": [t.__dict__ for t in outcome.tenants],
            }
        )
        return
    for t in outcome.tenants:
        click.echo(f"sealed run {outcome.run_id} for {t.tenant}: {t.record_count} records")
    click.echo(f"key id {outcome.key_id}")


WITNESS_HELP = (
    "Witness of chain heads outside the store: s3://BUCKET/PREFIX (Object Lock, plugin hds_s3) or "
    "file:///PATH (local append-only file) (env HDS_WITNESS)."
)


@evidence.command("verify")
@STORE_OPTION
@click.option("--tenant", help="Only this tenant's evidence.")
@click.option("--run", "run_id", help="Only the seals of this run (chains are always checked whole).")
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Pin the signer: every seal must be made with this key.",
)
@click.option(
    "--require-seals",
    is_flag=True,
    envvar="HDS_REQUIRE_SEALS",
    help="Fail (exit 1) when a run is unsealed: never sealed, in progress, or seal deleted (env HDS_REQUIRE_SEALS).",
)
@click.option("--witness", "witness_url", envvar="HDS_WITNESS", metavar="URL", help=WITNESS_HELP)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    help="Processes verifying tenants side by side (default: one per core on large stores).",
)
@FORMAT_OPTION
def verify(
    store: str,
    tenant: str | None,
    run_id: str | None,
    public_key: Path | None,
    require_seals: bool,
    witness_url: str | None,
    jobs: int | None,
    fmt: str,
) -> None:
    """Check the store file (SQLite integrity check), every record against its hash, every link of
    each tenant's chain, every seal and, with --witness, every chain head anchored outside the
    store; name the first bad record or seal.

    Verdict per tenant: SEALED, UNSEALED (some run carries no seal: not tampering) or TAMPERED.
    Exit code 0 intact, 1 tampered (or unsealed with --require-seals), 2 bad input, 3 store
    fault (corrupted, unreadable) or unreadable witness."""
    from controlplane.evidence import load_public_key, verify_store

    pinned = load_public_key(public_key) if public_key else None
    witness = None
    if witness_url:
        from controlplane.evidence.witness_registry import open_witness

        witness = open_witness(witness_url)
    with _open(store, integrity="full") as s:
        contents = witness.read({tenant} if tenant else None) if witness is not None else None
        result = verify_store(s, tenant, run_id, pinned, location=store, jobs=jobs, witness=contents)
    code = result.exit_code(require_seals)
    if fmt == "json":
        emit_json(result.as_dict() | {"require_seals": require_seals})
        raise SystemExit(code)
    _print_verification(result, pinned is not None, require_seals)
    raise SystemExit(code)


def _print_verification(result: Any, pinned: bool, require_seals: bool) -> None:
    for t in result.tenants:
        sealed = f"{len(t.sealed_runs)}/{len(t.runs)} runs sealed"
        anchored = f", {t.anchored_heads} heads in the witness" if result.witness is not None else ""
        if t.verdict == "sealed":
            click.echo(f"{t.tenant}: SEALED — {t.records} records, chain intact, {sealed}{anchored}")
        elif t.verdict == "unsealed":
            runs = ", ".join(t.unsealed_runs[:5]) + (" …" if len(t.unsealed_runs) > 5 else "")
            facts = f"{t.records} records, chain intact, {sealed}{anchored}"
            click.echo(f"{t.tenant}: UNSEALED — {facts}; unsealed: {runs}")
        else:
            first = t.problems[0]
            click.echo(f"{t.tenant}: TAMPERED — {first.kind}: {first.message}")
            for p in t.problems[1:]:
                click.echo(f"  then {p.kind}: {p.message}")
            if t.truncated:
                click.echo("  (more problems not listed)")
        for note in t.notes:
            click.echo(f"  note: {note}")
    if result.witness is not None:
        w = result.witness
        state = "DAMAGED" if w["problems"] else "OK"
        click.echo(f"witness {w['url']}: {state} — {w['heads']} heads")
        for problem in w["problems"]:
            click.echo(f"  {problem}")
        for note in w["notes"]:
            click.echo(f"  note: {note}")
    if result.verdict == "unsealed":
        effect = "fails (--require-seals)" if require_seals else "is not tampering; --require-seals makes it fail"
        click.echo(f"note: an unsealed run {effect}")
    if not pinned:
        click.echo("note: seals were checked against the keys stored with them; pass --public-key to pin the signer")
    if result.witness is None:
        click.echo("note: without --witness, a deleted chain tail (the last runs) cannot be detected")


@evidence.command("anchor")
@STORE_OPTION
@click.option("--run", "run_id", required=True, help="The finished run whose chain heads to anchor.")
@click.option("--witness", "witness_url", envvar="HDS_WITNESS", metavar="URL", required=True, help=WITNESS_HELP)
@FORMAT_OPTION
def anchor(store: str, run_id: str, witness_url: str, fmt: str) -> None:
    """Write each tenant's chain head after a run to the witness: for a run sealed after it ran
    (`evidence seal`), so the witness also holds its seal. `hdsctl run --witness` does this itself."""
    from controlplane.evidence.witness import anchor_run
    from controlplane.evidence.witness_registry import open_witness

    witness = open_witness(witness_url)
    with _open(store) as s:
        run = s.get_run(run_id)
        if run is None:
            raise InputError.single("--run", "", f"no run {run_id!r} in the store")
        if run.status == RunStatus.running:
            raise InputError.single("--run", "", f"run {run_id} is still running: anchor it once it has finished")
        heads = anchor_run(s, run_id, witness)
    if fmt == "json":
        emit_json({"run_id": run_id, "witness": witness.url, "heads": [h.as_dict() for h in heads]})
        return
    for h in heads:
        sealed = "sealed" if h.seal else "unsealed"
        click.echo(f"anchored {h.tenant} after run {run_id}: {h.chain_length} records in its chain ({sealed})")
    click.echo(f"witness {witness.url}")


@evidence.command("export")
@STORE_OPTION
@click.option("--tenant", required=True, help="The tenant whose evidence to export.")
@click.option("--run", "run_id", help="Only this run (default: the tenant's whole history).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to create (must be absent or empty).",
)
@click.option("--allow-unsealed", is_flag=True, help="Export runs that have no seal (flagged in the bundle).")
@FORMAT_OPTION
def export(store: str, tenant: str, run_id: str | None, output: Path, allow_unsealed: bool, fmt: str) -> None:
    """Write a self-contained bundle of one tenant's evidence for an auditor: records, seals,
    public key, a stdlib-only verifier and a README (fr/en) on checking it with standard tools."""
    from controlplane.evidence import export_bundle

    with _open(store) as s:
        summary = export_bundle(s, tenant, output, run_id, allow_unsealed)
    if fmt == "json":
        emit_json({k: (str(v) if isinstance(v, Path) else v) for k, v in summary.__dict__.items()})
        return
    click.echo(
        f"Bundle for {summary.tenant} in {summary.directory}: {summary.records} records, "
        f"{len(summary.runs)} runs, {summary.seals} seals"
    )
    for run in summary.unsealed:
        click.echo(f"warning: run {run} is unsealed in this bundle", err=True)
    click.echo(f"Check it: python3 {summary.directory / 'verify_bundle.py'}")
