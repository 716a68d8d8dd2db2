"""`hdsctl reversibility test|destroy-check`: the client's right to leave (HDS v2 EXI 27), exercised
and recorded as evidence. Exit codes: 0 passed / destroyed, 1 failed / remains found, 2 bad input."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

from controlplane.cli.options import CONFIG_OPTION, SIGNING_KEY_OPTION, STORE_OPTION
from controlplane.cli.output import FORMAT_OPTION, echo, emit_json
from controlplane.errors import InputError

SHOWN = 20


@click.group()
def reversibility() -> None:
    """Reversibility (HDS v2 EXI 27): test a tenant's data return, prove its destruction."""


def _load(config_path: Path, signing_key: str | None) -> tuple[Any, Any, Any, Any]:
    from controlplane.config import load_fleet
    from controlplane.runner import load_environment

    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")
    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    return registry, catalog, fleet, key


def _seal(evidence: Any, run_id: str, key: Any) -> None:
    if key is not None:
        from controlplane.evidence import seal_run

        seal_run(evidence, run_id, key)


@reversibility.command("test")
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", required=True, help="The tenant whose data is returned.")
@click.option("--sample", type=click.IntRange(1, 10_000_000), help="Export N objects/tables per target (default 100).")
@click.option("--full", is_flag=True, help="Export everything (a complete return).")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the export in this new (or empty) directory. Default: a temporary directory, removed after.",
)
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 7 * 86400), default=3600.0, show_default=True,
              help="Seconds the whole export may take; what is left unread then fails the test, named.")  # fmt: skip
@click.option("--max-gb", type=click.FloatRange(0.001, 1024 * 1024), default=64.0, show_default=True,
              help="Most data the export writes (GB); past it the objects left fail the test, named.")  # fmt: skip
@SIGNING_KEY_OPTION
@FORMAT_OPTION
def test_cmd(
    config_path: Path,
    store: str,
    tenant: str,
    sample: int | None,
    full: bool,
    dest: Path | None,
    timeout_s: float,
    max_gb: float,
    signing_key: str | None,
    fmt: str,
) -> None:
    """Export TENANT's data as a departing client would receive it (objects of its buckets as
    stored; databases as pg_dump plain SQL and one CSV per table), write an inventory (every
    object/table, size, SHA-256), compare it with the live inventory (counts, sizes, provider
    checksums where given), measure the throughput, extrapolate the full return time, and record
    the outcome in TENANT's evidence chain (REV-01 is judged from it at every run).

    Exit code 0 passed, 1 failed (each missing, unreadable or mismatched item is named), 2 bad input."""
    from controlplane.governance.clock import now
    from controlplane.reversibility.return_test import (
        ReturnRequest,
        check_dest,
        export_all,
        new_seed,
        plan,
        record_test,
    )
    from controlplane.store import EvidenceStore

    if full and sample:
        raise InputError.single("--full", "", "give --sample N or --full, not both")
    if dest is not None:
        check_dest(dest)
    registry, catalog, fleet, key = _load(config_path, signing_key)
    chosen, work = plan(registry, fleet, tenant)
    kept = dest is not None
    root = dest if dest is not None else Path(tempfile.mkdtemp(prefix="hds-reversibility-"))
    try:
        root.mkdir(exist_ok=True)
        request = ReturnRequest(tenant, root, None if full else (sample or 100), timeout_s, int(max_gb * 1024**3))
        outcome = export_all(chosen, work, request, new_seed())
        with EvidenceStore.open(store) as evidence:
            run_id = record_test(evidence, catalog, fleet, chosen, outcome, now())
            _seal(evidence, run_id, key)
    finally:
        if not kept:
            shutil.rmtree(root, ignore_errors=True)
    ev = outcome.evidence
    if fmt == "json":
        emit_json(
            {"run_id": run_id, "tenant": tenant, "sealed": key is not None, "dest": str(root) if kept else None, **ev}
        )
    else:
        verdict = "PASSED" if outcome.passed else "FAILED"
        echo(f"Reversibility test of {tenant}: {verdict} ({ev['mode']}, run {run_id})")
        for t in ev["targets"]:
            echo(
                f"  {t['kind']}/{t['target']}: {t['exported_items']} exported of {t['live_items']} live, "
                f"{t['exported_bytes']} bytes in {t['seconds']} s" + (f" - {t['error']}" if t.get("error") else "")
            )
        if ev["throughput_bytes_per_s"]:
            echo(
                f"  throughput {ev['throughput_bytes_per_s'] / 1e6:.2f} MB/s; full return of {ev['live_bytes']} bytes "
                f"extrapolated to {ev['extrapolated_full_return_s']} s"
            )
        for line in outcome.failures[:SHOWN]:
            echo(f"  {line}")
        if len(outcome.failures) > SHOWN:
            echo(f"  ... and {len(outcome.failures) - SHOWN} more (see inventory.jsonl)")
        if kept:
            echo(f"  export kept in {root}")
    raise SystemExit(0 if outcome.passed else 1)


@reversibility.command("destroy-check")
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", required=True, help="The departed tenant (still in the fleet file, with its targets).")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also export the sealed destruction record as an evidence bundle (a new or empty directory) the client "
    "verifies offline (needs --signing-key).",
)
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 86400), default=900.0, show_default=True,
              help="Seconds the inspection may take; an unfinished inspection cannot say 'destroyed'.")  # fmt: skip
@SIGNING_KEY_OPTION
@FORMAT_OPTION
def destroy_check(
    config_path: Path, store: str, tenant: str, output: Path | None, timeout_s: float, signing_key: str | None, fmt: str
) -> None:
    """Verify that nothing of TENANT remains after its data was deleted at contract end: no bucket,
    object version, delete marker, replica, backup artefact, scratch restore or database. Versions
    under Object Lock are listed with their retain-until date (they cannot be destroyed before).
    Records the outcome, sealed with --signing-key, in TENANT's evidence chain.

    Exit code 0 destroyed, 1 something remains (or could not be verified), 2 bad input."""
    from controlplane.governance.clock import now
    from controlplane.reversibility.destruction import inspect_all, plan, record_destruction
    from controlplane.reversibility.return_test import check_dest
    from controlplane.store import EvidenceStore

    if output is not None:
        if not signing_key:
            raise InputError.single(
                "-o", "", "a destruction record handed to the client must be sealed: give --signing-key"
            )
        check_dest(output, "-o")
    registry, catalog, fleet, key = _load(config_path, signing_key)
    chosen, work = plan(registry, fleet, tenant)
    outcome = inspect_all(chosen, work, timeout_s)
    with EvidenceStore.open(store) as evidence:
        run_id = record_destruction(evidence, catalog, fleet, chosen, outcome, now())
        _seal(evidence, run_id, key)
        if output is not None:
            from controlplane.evidence import export_bundle

            export_bundle(evidence, tenant, output, run_id=run_id)
    ev = outcome.evidence
    if fmt == "json":
        emit_json({"run_id": run_id, "tenant": tenant, "sealed": key is not None, **ev})
    else:
        verdict = "DESTROYED" if outcome.destroyed else "NOT DESTROYED"
        echo(f"Destruction check of {tenant}: {verdict} (run {run_id}{', sealed' if key is not None else ''})")
        for r in outcome.remains[:SHOWN]:
            until = f" (Object Lock: retained until {r['retain_until']})" if r.get("retain_until") else ""
            echo(f"  remains: {r['kind']} {r['location']}{until}")
        if len(outcome.remains) > SHOWN:
            echo(f"  ... and {len(outcome.remains) - SHOWN} more")
        for e in outcome.errors:
            echo(f"  not verified: {e}")
        if output is not None:
            echo(f"  sealed record exported to {output} (verify: python3 {output}/verify_bundle.py)")
    raise SystemExit(0 if outcome.destroyed else 1)
