"""`hdsctl waive` and `hdsctl waivers list`: accepted risks, reviewed in waivers.yaml and kept as evidence."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import click
import yaml

from controlplane.cli.options import CONFIG_OPTION, SIGNING_KEY_OPTION, STORE_OPTION
from controlplane.cli.output import FORMAT_OPTION, emit_json, table
from controlplane.errors import InputError, Problem

OPTION_OF = {
    "id": "--id",
    "tenant": "--tenant",
    "control": "--control",
    "target": "--target",
    "resource": "--resource",
    "justification": "--justification",
    "compensating_measure": "--compensating-measure",
    "requested_by": "--requested-by",
    "approved_by": "--approved-by",
    "approved_on": "--approved-on",
    "expires": "--expires",
    "risk_id": "--risk-id",
}


def _as_options(exc: InputError) -> InputError:
    """Problems found in the one waiver given on the command line, named by option."""
    out = []
    for p in exc.problems:
        name = p.field.rsplit(".", 1)[-1]
        out.append(Problem("hdsctl waive", OPTION_OF.get(name, p.field), p.reason))
    return InputError(out)


def _block(entry: dict[str, Any]) -> str:
    return yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=False)


def _new_text(path: Path, entry: dict[str, Any]) -> str:
    """waivers.yaml with `entry` appended: as a text block when the file ends with a block
    list of waivers (its comments and layout kept), else the whole document rewritten."""
    if not path.exists():
        header = "# Accepted risks (HDS): reviewed like code; `hdsctl config validate` checks this file.\n"
        return header + "version: 1\nwaivers:\n" + _indent(_block(entry))
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if "\nwaivers:\n" in "\n" + text and data.get("waivers"):
        return text.rstrip("\n") + "\n" + _indent(_block(entry))
    data = {"version": 1, **data, "waivers": [*(data.get("waivers") or []), entry]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _indent(block: str) -> str:
    return "".join(f"  {line}\n" for line in block.splitlines())


@click.command()
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", required=True, help="The tenant whose risk is accepted.")
@click.option("--control", required=True, help="The control whose failure is accepted.")
@click.option("--target", default="*", show_default=True, help="Target name pattern (glob).")
@click.option("--resource", default="*", show_default=True, help="Resource pattern (glob).")
@click.option("--justification", required=True, help="Why the risk is accepted.")
@click.option("--compensating-measure", required=True, help="What reduces the risk meanwhile.")
@click.option("--requested-by", required=True, help="Who asks for the waiver.")
@click.option("--approved-by", required=True, help="Who approves it (not the requester).")
@click.option("--approved-on", help="Approval date (YYYY-MM-DD). Default: today.")
@click.option("--expires", required=True, help="Expiry date (YYYY-MM-DD), at most 12 months after approval.")
@click.option("--risk-id", help="Identifier in the risk register.")
@click.option("--id", "waiver_id", help="Waiver id. Default: W-<date>-<random>.")
@SIGNING_KEY_OPTION
@FORMAT_OPTION
def waive(
    config_path: Path,
    store: str,
    tenant: str,
    control: str,
    target: str,
    resource: str,
    justification: str,
    compensating_measure: str,
    requested_by: str,
    approved_by: str,
    approved_on: str | None,
    expires: str,
    risk_id: str | None,
    waiver_id: str | None,
    signing_key: str | None,
    fmt: str,
) -> None:
    """Accept the risk of a failing control for a tenant until --expires: the waiver is added to
    waivers.yaml beside the fleet file (the reviewed register) and recorded in the tenant's
    evidence chain. Bad input (approver = requester, expiry past 12 months, unknown control)
    exits 2 and writes nothing."""
    from controlplane.config import load_fleet
    from controlplane.governance.clock import now
    from controlplane.governance.waiver_register import sync
    from controlplane.governance.waivers import load_waivers, parse_waivers, waivers_path
    from controlplane.runner import load_environment
    from controlplane.store import EvidenceStore

    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")
    moment = now()
    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    existing = load_waivers(config_path, fleet, catalog, moment.date())
    entry: dict[str, Any] = {
        "id": waiver_id or f"W-{moment:%Y%m%d}-{secrets.token_hex(2)}",
        "tenant": tenant,
        "control": control,
        "target": target,
        "resource": resource,
        "justification": justification,
        "compensating_measure": compensating_measure,
        "requested_by": requested_by,
        "approved_by": approved_by,
        "approved_on": approved_on or moment.date().isoformat(),
        "expires": expires,
    }
    if risk_id:
        entry["risk_id"] = risk_id
    try:
        (waiver,) = parse_waivers({"version": 1, "waivers": [entry]}, "hdsctl waive", fleet, catalog, moment.date())
    except InputError as exc:
        raise _as_options(exc) from None
    if any(w.id == waiver.id for w in existing):
        raise InputError.single("hdsctl waive", "--id", f"waiver {waiver.id!r} already exists in waivers.yaml")
    path = waivers_path(config_path)
    text = _new_text(path, _without_none(waiver.body()))
    parse_waivers(yaml.safe_load(text), str(path), fleet, catalog, moment.date())  # the file stays valid
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    evidence = EvidenceStore.open(store)
    try:
        (active,) = sync(evidence, [waiver], catalog, fleet, moment, "hdsctl waive")
        tmp.replace(path)  # the register file changes once the evidence is stored
        if key is not None:
            from controlplane.governance.register import governance_runs

            latest = governance_runs(evidence, "waiver")[-1]
            from controlplane.evidence import seal_run

            seal_run(evidence, latest.run_id, key)
    finally:
        tmp.unlink(missing_ok=True)
        evidence.close()
    if fmt == "json":
        emit_json({"id": waiver.id, "record_hash": active.record_hash, "file": str(path)})
    else:
        click.echo(f"Waiver {waiver.id} for {tenant} {control} until {waiver.expires} added to {path}")


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


@click.group()
def waivers() -> None:
    """Accepted risks: list them with what they cover and when they expire."""


@waivers.command("list")
@CONFIG_OPTION
@FORMAT_OPTION
def list_waivers(config_path: Path, fmt: str) -> None:
    """The waivers of waivers.yaml beside the fleet file, each with its state (current, expired)."""
    from controlplane.config import load_fleet
    from controlplane.governance.clock import now
    from controlplane.governance.waivers import load_waivers
    from controlplane.runner import load_environment

    moment = now()
    registry, catalog = load_environment()
    fleet = load_fleet(config_path, registry.target_kinds, catalog)
    rows = [
        w.body() | {"state": "current" if moment <= w.expires_at else "expired"}
        for w in load_waivers(config_path, fleet, catalog, moment.date())
    ]
    if fmt == "json":
        emit_json(rows)
        return
    table(
        None,
        ["Id", "Tenant", "Control", "Target/resource", "Approved by", "Expires", "State"],
        [
            [
                r["id"],
                r["tenant"],
                r["control"],
                f"{r['target']} / {r['resource']}",
                r["approved_by"],
                r["expires"],
                r["state"],
            ]
            for r in rows
        ],
    )
