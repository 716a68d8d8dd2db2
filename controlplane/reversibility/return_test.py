"""`hdsctl reversibility test`: export a tenant's data through the plugins' exporters, write the
inventory, compare it with the live inventory, extrapolate the full return time, and record the
outcome in the tenant's evidence chain (a run of kind `reversibility`, like governance records).

Everything about the request is checked before anything is written. The destination gets one
directory per target (`<kind>/<target>/`), `inventory.jsonl` (one line per object, table or dump:
where it came from, where it was written, size, SHA-256, how it compares) and `summary.json`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from controlplane.catalog import Catalog
from controlplane.config import Fleet, Tenant
from controlplane.errors import InputError
from controlplane.governance.clock import iso
from controlplane.governance.records import Entry, record
from controlplane.plugins import PluginRegistry
from controlplane.results import Status
from controlplane.reversibility.guard import guarded
from controlplane.reversibility.model import ExportOutcome, ExportRequest, ItemState, Reversibility
from controlplane.reversibility.providers import reversibility_providers
from controlplane.store import EvidenceStore

KIND = "reversibility"
CONTROL = "REV-01"
MAX_NAMED = 50
"""Failing items named in the evidence record (all of them are in inventory.jsonl)."""


@dataclass(frozen=True)
class ReturnRequest:
    tenant: str
    dest: Path
    sample: int | None
    timeout_s: float
    max_bytes: int


@dataclass(frozen=True)
class ReturnOutcome:
    tenant: str
    passed: bool
    evidence: dict[str, Any]
    failures: tuple[str, ...]
    run_id: str = ""


def check_dest(dest: Path, option: str = "--dest") -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError.single(option, "", f"{dest} exists and is not an empty directory")
    if not dest.parent.is_dir():
        raise InputError.single(option, "", f"directory {dest.parent} does not exist")


def plan(registry: PluginRegistry, fleet: Fleet, tenant_id: str) -> tuple[Tenant, list[tuple[Reversibility, Any]]]:
    """The tenant and its targets that an exporter handles; bad input raises before any write."""
    tenant = fleet.tenant(tenant_id)
    if tenant is None:
        raise InputError.single("--tenant", "", f"unknown tenant {tenant_id!r} in {fleet.path}")
    providers = {k: v for k, v in reversibility_providers(registry).items() if v.export is not None}
    work = [(providers[kind], t) for kind, targets in tenant.targets.items() if kind in providers for t in targets]
    if not work:
        kinds = ", ".join(sorted(providers)) or "none installed"
        raise InputError.single(fleet.path, f"tenants[{tenant_id}].targets", f"no target an exporter handles ({kinds})")
    return tenant, work


def _failures(outcome: ExportOutcome, kind: str) -> list[str]:
    where = f"{kind}/{outcome.target}"
    out = [f"{where}: {outcome.error}"] if outcome.error else []
    for item in outcome.items:
        if item.state is not ItemState.ok:
            out.append(f"{where}: {item.state} {item.location}" + (f" ({item.detail})" if item.detail else ""))
    return out


def export_all(tenant: Tenant, work: list[tuple[Reversibility, Any]], req: ReturnRequest, seed: int) -> ReturnOutcome:
    deadline = time.monotonic() + req.timeout_s
    outcomes: list[tuple[str, ExportOutcome]] = []
    budget = req.max_bytes
    for provider, target in work:
        sub = req.dest / provider.target_kind / str(target.name)
        sub.mkdir(parents=True)
        export_req = ExportRequest(tenant.view(), str(target.name), sub, req.sample, deadline, budget, seed)
        assert provider.export is not None
        got = guarded(
            provider.export, (target, export_req), deadline, f"export of {provider.target_kind}/{target.name}"
        )
        if isinstance(got, str):
            got = ExportOutcome(str(target.name), (), 0, 0, 0, 0.0, error=got)
        budget = max(0, budget - got.exported_bytes)
        outcomes.append((provider.target_kind, got))
    return _conclude(tenant, req, seed, outcomes)


def _conclude(
    tenant: Tenant, req: ReturnRequest, seed: int, outcomes: list[tuple[str, ExportOutcome]]
) -> ReturnOutcome:
    inventory = req.dest / "inventory.jsonl"
    digest = hashlib.sha256()
    failures: list[str] = []
    per_target = []
    with inventory.open("x", encoding="utf-8") as out:
        for kind, o in outcomes:
            for item in o.items:
                row = item.as_dict()
                if item.path:  # relative to the destination, not to the target's directory
                    row["path"] = f"{kind}/{o.target}/{item.path}"
                line = json.dumps({"target": f"{kind}/{o.target}", **row}, ensure_ascii=False) + "\n"
                out.write(line)
                digest.update(line.encode())
            failures += _failures(o, kind)
            per_target.append(
                {
                    "kind": kind,
                    "target": o.target,
                    "live_items": o.live_items,
                    "live_bytes": o.live_bytes,
                    "exported_items": sum(1 for i in o.items if i.state is ItemState.ok),
                    "exported_bytes": o.exported_bytes,
                    "seconds": round(o.seconds, 3),
                    "notes": list(o.notes),
                    **({"error": o.error} if o.error else {}),
                }
            )
    exported = sum(o.exported_bytes for _, o in outcomes)
    seconds = sum(o.seconds for _, o in outcomes)
    live = sum(o.live_bytes for _, o in outcomes)
    throughput = exported / seconds if seconds > 0 and exported > 0 else None
    evidence = {
        "mode": "full" if req.sample is None else "sample",
        "sample": req.sample,
        "seed": seed,
        "items": sum(len(o.items) for _, o in outcomes),
        "live_items": sum(o.live_items for _, o in outcomes),
        "live_bytes": live,
        "exported_bytes": exported,
        "seconds": round(seconds, 3),
        "throughput_bytes_per_s": round(throughput, 1) if throughput else None,
        "extrapolated_full_return_s": round(live / throughput, 1) if throughput else None,
        "inventory_sha256": digest.hexdigest(),
        "targets": per_target,
        "failures": failures[:MAX_NAMED],
        "failure_count": len(failures),
        "passed": not failures,
    }
    (req.dest / "summary.json").write_text(
        json.dumps({"tenant": tenant.id, **evidence}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ReturnOutcome(tenant.id, not failures, evidence, tuple(failures))


def record_test(
    store: EvidenceStore, catalog: Catalog, fleet: Fleet, tenant: Tenant, outcome: ReturnOutcome, moment: datetime
) -> str:
    control = catalog.controls.get(CONTROL)
    activities = tuple(a for a in control.hds_activities if a in tenant.activities) if control else ()
    evidence = {"tested_at": iso(moment), **outcome.evidence}
    if outcome.passed:
        message = f"reversibility test passed: {evidence['items']} items exported and matching the live inventory"
    else:
        message = f"reversibility test failed: {len(outcome.failures)} problem(s), first: {outcome.failures[0]}"
    entry = Entry(
        tenant=tenant.id,
        control=CONTROL,
        target=KIND,
        resource=evidence["mode"],
        message=message[:1000],
        evidence=evidence,
        hds_activities=activities,
        iso27001=control.iso27001 if control else (),
        status=Status.passed if outcome.passed else Status.failed,
    )
    filters = {"tenants": [tenant.id], "mode": evidence["mode"]}
    return record(store, KIND, [entry], filters, catalog.digest, fleet.digest, iso(moment))


def new_seed() -> int:
    return secrets.randbits(32)
