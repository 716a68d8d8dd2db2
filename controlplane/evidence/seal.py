"""Seal a run: one Ed25519 signature per (run, tenant) over what the chain alone cannot prove.

The hash chain shows that no record was altered, removed or reordered *between* two records, but
someone with write access could rewrite a chain's tail and recompute every hash after it. The
seal closes that gap: it signs the run id, the tenant, how many records the run holds for that
tenant and the hashes of the first and last of them, with a key the database never sees. The
signed bytes are the canonical JSON of `seal_payload`, so `openssl pkeyutl -verify -rawin` or
any Ed25519 library can check them.

Versions: `hds-seal/1` (until 0.1) signs the fields above; `hds-seal/2` adds `counts_digest`,
the SHA-256 of the run's counts (`runs.counts`, canonical JSON), which neither the chain nor a
version-1 seal covered, so counts forged in `runs` show. A seal's version follows from its row: a
version-1 seal has no counts digest (NULL), and old seals keep verifying as they were signed.
Clearing the digest of a version-2 seal turns its payload into another one, whose signature fails.
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
from controlplane.results import RunStatus
from controlplane.secrets import SecretRef
from controlplane.store import EvidenceStore
from controlplane.store.chain import canonical_json, counts_digest, record_hash

SEAL_FORMAT_V1 = "hds-seal/1"
SEAL_FORMAT = "hds-seal/2"
"""The version new seals are made with."""


def seal_format(seal: dict[str, Any]) -> str:
    return SEAL_FORMAT_V1 if seal.get("counts_digest") is None else SEAL_FORMAT


def seal_payload(seal: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: canonical JSON of the sealed facts."""
    payload = {
        "format": seal_format(seal),
        "run_id": seal["run_id"],
        "tenant": seal["tenant"],
        "record_count": seal["record_count"],
        "first_record_hash": seal["first_record_hash"],
        "last_record_hash": seal["last_record_hash"],
        "sealed_at": seal["sealed_at"],
        "key_id": seal["key_id"],
    }
    if payload["format"] != SEAL_FORMAT_V1:
        payload["counts_digest"] = seal["counts_digest"]
    return canonical_json(payload).encode("utf-8")


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
    if run.status == RunStatus.running:
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
            "counts_digest": counts_digest(run.counts),
        }
        row["signature"] = base64.b64encode(private.sign(seal_payload(row))).decode("ascii")
        rows.append(row)
        sealed.append(SealedTenant(tenant, count, last))
    store.add_seals(rows)
    return SealOutcome(run_id, key_id(public), tuple(sealed))
