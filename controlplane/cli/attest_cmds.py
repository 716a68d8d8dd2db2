"""`hdsctl attest` and `hdsctl attestations list`: the attestation register."""

from __future__ import annotations

import re
from pathlib import Path

import click

from controlplane.cli.options import CONFIG_OPTION, SIGNING_KEY_OPTION, STORE_OPTION
from controlplane.cli.output import FORMAT_OPTION, emit_json, table
from controlplane.errors import InputError


@click.command()
@click.argument("control")
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", "tenants", multiple=True, help="Attest for this tenant (repeatable).")
@click.option("--all-tenants", is_flag=True, help="Attest for every tenant the control applies to (host-wide).")
@click.option("--site", help="Attest for every tenant hosted on this site (the fleet file's `sites`).")
@click.option("--by", "by", required=True, help="Who attests (name and role).")
@click.option(
    "--document",
    "documents",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Evidence document (repeatable): hashed (SHA-256) and kept beside the store.",
)
@click.option("--valid-until", help="Expiry date (YYYY-MM-DD). Default and maximum: now + the control's validity.")
@click.option("--comment", default="", help="Free text kept with the attestation.")
@click.option(
    "--documents-dir",
    envvar="HDS_DOCUMENTS",
    help="Folder of the kept documents (env HDS_DOCUMENTS). Default: <store>.documents beside a SQLite store.",
)
@SIGNING_KEY_OPTION
@FORMAT_OPTION
def attest(
    control: str,
    config_path: Path,
    store: str,
    tenants: tuple[str, ...],
    all_tenants: bool,
    site: str | None,
    by: str,
    documents: tuple[Path, ...],
    valid_until: str | None,
    comment: str,
    documents_dir: str | None,
    signing_key: str | None,
    fmt: str,
) -> None:
    """Record that CONTROL (an attested control, e.g. PHY-01, GOV-11) holds, vouched for by
    --by with --document evidence, for some tenants, until --valid-until.

    The attestation is appended to each covered tenant's evidence chain (sealed with
    --signing-key), so `evidence verify`, bundles and the offline verifier cover it. Every
    later run judges the control from it: pass while valid, `expired` after."""
    from controlplane.config import load_fleet
    from controlplane.governance.attestations import Request, check_request
    from controlplane.governance.attestations import attest as record_attestation
    from controlplane.governance.clock import now
    from controlplane.governance.documents import documents_dir as default_dir
    from controlplane.runner import load_environment
    from controlplane.store import EvidenceStore

    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")
    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    request = Request(control, tenants, all_tenants, site, by, valid_until, comment)
    # Everything is checked on a dry pass first (a bad request writes nothing, not even a store).
    check_request(catalog, fleet, request, list(documents), now())
    evidence = EvidenceStore.open(store)
    try:
        run_id, covered = record_attestation(
            evidence, catalog, fleet, request, list(documents), now(), default_dir(store, documents_dir)
        )
        if key is not None:
            from controlplane.evidence import seal_run

            seal_run(evidence, run_id, key)
    finally:
        evidence.close()
    if fmt == "json":
        emit_json({"run_id": run_id, "control": control, "tenants": covered, "sealed": key is not None})
    else:
        click.echo(f"{control} attested by {by} for {len(covered)} tenant(s): {', '.join(covered)} (run {run_id})")


def _days(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,5})\s*d?\s*", text)
    if not match:
        raise InputError.single("--expiring-within", "", f"{text!r} is not a number of days (e.g. 30d)")
    return int(match.group(1))


@click.group()
def attestations() -> None:
    """The attestation register: who vouched for which attested control, until when."""


@attestations.command("list")
@STORE_OPTION
@click.option("--tenant", "tenants", multiple=True, help="Only this tenant (repeatable).")
@click.option("--expiring-within", help="Only attestations expiring within this many days (e.g. 30d), or expired.")
@click.option("--check-documents", is_flag=True, help="Re-hash the kept documents and report any missing or altered.")
@click.option("--documents-dir", envvar="HDS_DOCUMENTS", help="Folder of the kept documents (env HDS_DOCUMENTS).")
@FORMAT_OPTION
def list_attestations(
    store: str,
    tenants: tuple[str, ...],
    expiring_within: str | None,
    check_documents: bool,
    documents_dir: str | None,
    fmt: str,
) -> None:
    """The current attestation of each (tenant, control), with its outcome: valid, expiring
    (within 30 days), expired. Exit code 1 when --check-documents finds a problem."""
    from controlplane.governance.attestations import standings
    from controlplane.governance.clock import now
    from controlplane.governance.documents import check_stored
    from controlplane.governance.documents import documents_dir as default_dir
    from controlplane.store import EvidenceStore

    horizon = _days(expiring_within) if expiring_within is not None else None
    evidence = EvidenceStore.open(store, create=False)
    try:
        wanted = list(tenants) or evidence.tenants()
        found = standings(evidence, wanted, now())
    finally:
        evidence.close()
    folder = default_dir(store, documents_dir)
    rows = []
    bad = 0
    for (tenant, control), s in sorted(found.items()):
        if horizon is not None and (s.days_left is None or s.days_left > horizon):
            continue
        ev = s.record["evidence"] if s.record else {}
        row = {
            "tenant": tenant,
            "control": control,
            "outcome": s.outcome,
            "attested_by": ev.get("attested_by"),
            "valid_from": ev.get("valid_from"),
            "valid_until": ev.get("valid_until"),
            "days_left": s.days_left,
            "scope": ev.get("scope"),
            "documents": ev.get("documents", []),
            "record_hash": s.record["record_hash"] if s.record else None,
        }
        if check_documents:
            row["document_problems"] = check_stored(folder, ev.get("documents", []))
            bad += bool(row["document_problems"])
        rows.append(row)
    if fmt == "json":
        emit_json(rows)
    else:
        table(
            None,
            ["Tenant", "Control", "Outcome", "Valid until", "Days left", "Attested by", "Documents"],
            [
                [
                    r["tenant"],
                    r["control"],
                    r["outcome"],
                    (r["valid_until"] or "")[:10],
                    r["days_left"],
                    r["attested_by"],
                    ", ".join(f"{d['name']} ({d['sha256'][:12]})" for d in r["documents"]),
                ]
                for r in rows
            ],
        )
        for r in rows:
            for p in r.get("document_problems", []):
                click.echo(f"hdsctl: {r['tenant']} {r['control']}: {p}", err=True)
    raise SystemExit(1 if bad else 0)
