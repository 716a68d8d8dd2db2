"""Seal a run: one Ed25519 signature per (run, tenant) over what the chain alone cannot prove.

The hash chain shows that no record was altered, removed or reordered *between* two records, but
someone with write access could rewrite a chain's tail and recompute every hash after it. The
seal closes that gap: it signs the run id, the tenant, how many records the run holds for that
tenant and the hashes of the first and last of them, with a key the database never sees. The
signed bytes are the canonical JSON of `seal_payload`, so `openssl pkeyutl -verify -rawin` or
any Ed25519 library can check them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.errors import InputError
from controlplane.evidence.keys import key_id, load_signing_key, public_b64
from controlplane.secrets import SecretRef
from controlplane.store import EvidenceStore
from controlplane.store.chain import canonical_json, record_hash

SEAL_FORMAT = "hds-seal/1"


def seal_payload(seal: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: canonical JSON of the sealed facts."""
    return canonical_json(
        {
            "format": SEAL_FORMAT,
            "run_id": seal["run_id"],
            "tenant": seal["tenant"],
            "record_count": seal["record_count"],
            "first_record_hash": seal["first_record_hash"],
            "last_record_hash": seal["last_record_hash"],
            "sealed_at": seal["sealed_at"],
            "key_id": seal["key_id"],
        }
    ).encode("utf-8")


@dataclass(frozen=True)
class SealedTenant:
    tenant: str
    record_count: int
    last_record_hash: str | None


@dataclass(frozen=True)
class SealOutcome:
    run_id: str
    key_id: str
    tenants: tuple[SealedTenant, ...]


def _run_facts(store: EvidenceStore, run_id: str, tenant: str) -> tuple[int, str | None, str | None]:
    """Count and first/last hash of the run's records for the tenant, after checking that each
    record still matches its hash and that they link up: a seal must never bless tampering."""
    count, first, last, prev = 0, None, None, None
    for rec in store.results(run_id, tenant):
        if record_hash(rec["prev_hash"], rec) != rec["record_hash"]:
            raise InputError.single(
                "--run",
                "",
                f"record seq {rec['seq']} of tenant {tenant} does not match its hash: run {run_id} not sealed",
            )
        if prev is not None and rec["prev_hash"] != prev and store.find_record(tenant, rec["prev_hash"]) is None:
            raise InputError.single(
                "--run", "", f"chain of tenant {tenant} is broken before seq {rec['seq']}: run {run_id} not sealed"
            )
        count += 1
        first = first or rec["record_hash"]
        last = prev = rec["record_hash"]
    return count, first, last


def seal_run(
    store: EvidenceStore,
    run_id: str,
    key: Ed25519PrivateKey | str | Path | SecretRef,
    sealed_at: str | None = None,
) -> SealOutcome:
    """Sign and store one seal per tenant of a finished run. Call it once the run is finished
    (after `runner.execute` returns); a second call for the same run is refused."""
    private = key if isinstance(key, Ed25519PrivateKey) else load_signing_key(key)
    store.flush()
    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("--run", "", f"no run {run_id!r} in the store")
    if run.status == "running":
        raise InputError.single("--run", "", f"run {run_id} is still running: seal it once it has finished")
    public = private.public_key()
    when = sealed_at or datetime.now(UTC).isoformat(timespec="milliseconds")
    rows: list[dict[str, Any]] = []
    sealed: list[SealedTenant] = []
    for tenant in run.tenants:
        count, first, last = _run_facts(store, run_id, tenant)
        row: dict[str, Any] = {
            "run_id": run_id,
            "tenant": tenant,
            "record_count": count,
            "first_record_hash": first,
            "last_record_hash": last,
            "sealed_at": when,
            "key_id": key_id(public),
            "public_key": public_b64(public),
        }
        row["signature"] = base64.b64encode(private.sign(seal_payload(row))).decode("ascii")
        rows.append(row)
        sealed.append(SealedTenant(tenant, count, last))
    store.add_seals(rows)
    return SealOutcome(run_id, key_id(public), tuple(sealed))
