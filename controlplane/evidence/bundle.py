"""Export one tenant's evidence as a self-contained bundle an auditor verifies offline.

Only the tenant's own chain and seals are read, and run metadata is trimmed to what concerns the
tenant: fleet-wide fields (the run's tenant list, filters, planned and total counts) would name or
size other tenants, so they are left out. A bundle for one run holds the chain segment from the
run's first record to its last (with any same-tenant records of concurrent runs in between), so
its links verify; a bundle without --run holds the whole chain from its first record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from controlplane import __version__
from controlplane.errors import InputError
from controlplane.evidence import offline_verifier
from controlplane.evidence.keys import public_from_b64, public_pem
from controlplane.evidence.seal import seal_payload
from controlplane.store import EvidenceStore
from controlplane.store.chain import GENESIS, HASHED_FIELDS

BUNDLE_FORMAT = "hds-evidence-bundle/1"
VERIFIER_NAME = "verify_bundle.py"


@dataclass(frozen=True)
class BundleSummary:
    directory: Path
    tenant: str
    runs: tuple[str, ...]
    records: int
    seals: int
    key_ids: tuple[str, ...]
    unsealed: tuple[str, ...]


def _file_name(run_id: str) -> str:
    return (
        run_id
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", run_id)
        else hashlib.sha256(run_id.encode()).hexdigest()[:32]
    )


def _prepare_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError.single("-o", "", f"{out} exists and is not an empty directory")
    if not out.parent.is_dir():
        raise InputError.single("-o", "", f"directory {out.parent} does not exist")
    out.mkdir(exist_ok=True)


def _selected_runs(store: EvidenceStore, tenant: str, run_id: str | None) -> list[str]:
    if run_id is not None:
        run = store.get_run(run_id)
        if run is None:
            raise InputError.single("--run", "", f"no run {run_id!r} in the store")
        if tenant not in run.tenants:
            raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
        return [run_id]
    runs = [r.run_id for r in reversed(store.list_runs(10_000_000, tenant))]
    if not runs and tenant not in store.tenants():
        raise InputError.single("--tenant", "", f"no evidence for tenant {tenant!r} in the store")
    return runs


def _records(store: EvidenceStore, tenant: str, runs: set[str], whole: bool) -> list[dict[str, Any]]:
    """The whole chain, or the segment spanning the selected runs' records."""
    out: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # same-tenant records after the last selected one so far
    for rec in store.chain(tenant):
        item = {k: rec[k] for k in (*HASHED_FIELDS, "prev_hash", "record_hash")}
        if whole:
            out.append(item)
        elif rec["run_id"] in runs:
            out.extend(pending)
            pending.clear()
            out.append(item)
        elif out:
            pending.append(item)
    return out


def _run_entry(store: EvidenceStore, run_id: str, records: int, sealed: bool) -> dict[str, Any]:
    run = store.get_run(run_id)
    entry: dict[str, Any] = {"run_id": run_id, "records": records, "sealed": sealed}
    if run is not None:
        entry |= {
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "tool_version": run.tool_version,
            "catalog_digest": run.catalog_digest,
            "config_digest": run.config_digest,
        }
    return entry


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def export_bundle(
    store: EvidenceStore,
    tenant: str,
    out: Path,
    run_id: str | None = None,
    allow_unsealed: bool = False,
) -> BundleSummary:
    runs = _selected_runs(store, tenant, run_id)
    seals = [s for s in store.seals(tenant) if s["run_id"] in runs]
    sealed = {s["run_id"] for s in seals}
    unsealed = [r for r in runs if r not in sealed]
    if unsealed and not allow_unsealed:
        raise InputError.single(
            "--run",
            "",
            f"run {unsealed[0]} is not sealed for tenant {tenant} (hdsctl evidence seal --run {unsealed[0]} "
            "--key FILE), or export with --allow-unsealed",
        )
    records = _records(store, tenant, set(runs), whole=run_id is None)
    _prepare_dir(out)
    per_run: dict[str, int] = {}
    for rec in records:
        per_run[rec["run_id"]] = per_run.get(rec["run_id"], 0) + 1

    (out / "seals").mkdir()
    (out / "keys").mkdir()
    key_ids: set[str] = set()
    for seal in seals:
        name = _file_name(seal["run_id"])
        (out / "seals" / f"{name}.payload").write_bytes(seal_payload(seal))
        (out / "seals" / f"{name}.sig").write_bytes(base64.b64decode(seal["signature"]))
        if seal["key_id"] not in key_ids:
            key_ids.add(seal["key_id"])
            (out / "keys" / f"{seal['key_id']}.pem").write_bytes(public_pem(public_from_b64(seal["public_key"])))
    _write_json(out / "records.json", records)
    _write_json(out / "seals.json", [{k: v for k, v in s.items() if k != "seal_id"} for s in seals])
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    _write_json(
        out / "manifest.json",
        {
            "format": BUNDLE_FORMAT,
            "tenant": tenant,
            "generated_at": generated_at,
            "tool_version": __version__,
            "record_count": len(records),
            "chain": {
                "from_genesis": bool(records) and records[0]["prev_hash"] == GENESIS,
                "first_prev_hash": records[0]["prev_hash"] if records else None,
                "last_record_hash": records[-1]["record_hash"] if records else None,
            },
            "hashed_fields": list(HASHED_FIELDS),
            "runs": [_run_entry(store, r, per_run.get(r, 0), r in sealed) for r in runs],
            "key_ids": sorted(key_ids),
        },
    )
    (out / VERIFIER_NAME).write_text(Path(offline_verifier.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    (out / "README.md").write_text(_readme(tenant, generated_at, runs, seals, sorted(key_ids)), encoding="utf-8")
    _write_sums(out)
    return BundleSummary(out, tenant, tuple(runs), len(records), len(seals), tuple(sorted(key_ids)), tuple(unsealed))


def _readme(tenant: str, generated_at: str, runs: list[str], seals: list[dict[str, Any]], key_ids: list[str]) -> str:
    template = Template(resources.files("controlplane.evidence").joinpath("bundle_readme.md").read_text("utf-8"))
    lines = [
        f"openssl pkeyutl -verify -pubin -inkey keys/{s['key_id']}.pem -rawin "
        f"-in seals/{_file_name(s['run_id'])}.payload -sigfile seals/{_file_name(s['run_id'])}.sig"
        for s in seals
    ]
    return template.safe_substitute(
        tenant=tenant,
        generated_at=generated_at,
        tool_version=__version__,
        runs=", ".join(f"`{r}`" for r in runs) or "-",
        key_ids=", ".join(f"`{k}`" for k in key_ids) or "-",
        openssl_lines="\n".join(lines) or "# (aucun sceau / no seal)",
    )


def _write_sums(out: Path) -> None:
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out).as_posix()}" for p in files]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
