"""Check a tenant's evidence: every record against its hash, every link of the chain, every seal.

What each tampering looks like, and how it is named (`Problem.kind`):
- a byte of a record changed → `altered`: that record no longer matches its hash;
- a record deleted → `missing`: the next record expects a predecessor that no longer exists
  (the last record deleted → the run's seal no longer matches: `seal_mismatch`);
- records swapped or moved → `reordered`: a record follows one that the chain puts after it;
- a record rewritten with its hash recomputed → `missing` at the next record (its expected
  predecessor is gone), and the run's seal no longer matches if it was the last one;
- a seal edited, or re-signed with another key → `seal_signature` / `seal_key`;
- a run's counts (`runs.counts`) changed after a version-2 seal → `counts_mismatch`;
- with a witness (`witness_check`): a deleted chain tail → `truncated`, a deleted run →
  `run_deleted`, a rewritten chain → `witness_mismatch`, forged counts → `counts_forged`, a
  deleted or replaced seal → `seal_deleted` / `seal_replaced`; a record of a run whose run row is
  gone → `run_missing`. What is wrong with the witness itself (an edited line, an overwritten
  object) is listed under the witness and fails the verification too.

Each tenant gets one verdict: `tampered` (any problem above), else `unsealed` (some run carries no
seal — never sealed, still in progress, or its seal deleted: without a witness these look alike),
else `sealed`. Unsealed is not tampering; `--require-seals` makes it fail. No run is skipped
because of its status: a run in progress has its records checked as far as they go and is
reported unsealed, with its lease (a lease dated in the future is reported as invalid).

Only the tenant's own records and seals are read, so a tenant's evidence verifies without any
other tenant's data. Without `--public-key`, seals are checked against the key recorded with
them, which proves integrity since sealing but not who sealed: pin the key for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controlplane.errors import InputError
from controlplane.evidence.chain_check import SEALED, TAMPERED, UNSEALED, VERDICTS, Problem, TenantVerification
from controlplane.evidence.keys import key_id
from controlplane.evidence.tenant_verify import verify_tenant
from controlplane.evidence.witness import ChainHead, WitnessContents
from controlplane.store import EvidenceStore

__all__ = [
    "SEALED",
    "TAMPERED",
    "UNSEALED",
    "VERDICTS",
    "Problem",
    "TenantVerification",
    "Verification",
    "verify_store",
    "verify_tenant",
]


@dataclass
class Verification:
    tenants: list[TenantVerification]
    pinned_key_id: str | None
    witness: dict[str, Any] | None = None
    """With a witness: its URL, how many heads it holds, and what is wrong with it."""

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tenants) and not (self.witness or {}).get("problems")

    @property
    def verdict(self) -> str:
        if not self.ok:
            return TAMPERED
        return max((t.verdict for t in self.tenants), key=VERDICTS.index, default=SEALED)

    def exit_code(self, require_seals: bool = False) -> int:
        """0 intact (and sealed, when seals are required), 1 otherwise."""
        return 0 if self.verdict == SEALED or (self.verdict == UNSEALED and not require_seals) else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "pinned_key_id": self.pinned_key_id,
            "witness": self.witness,
            "tenants": [t.as_dict() for t in self.tenants],
        }


def verify_store(
    store: EvidenceStore,
    tenant: str | None = None,
    run_id: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    max_problems: int = 20,
    *,
    location: str | None = None,
    jobs: int | None = None,
    witness: WitnessContents | None = None,
) -> Verification:
    """Verify the chains (and seals) of one tenant, the tenants of one run, or every tenant.
    With `location` (the store as given to `EvidenceStore.open`), several tenants are verified
    in parallel processes when the store is large enough to gain from it (`jobs`: how many;
    default one per core, see `parallel.choose_jobs`); the outcome is the same. With `witness`,
    each tenant is also compared with the heads the witness holds, and a tenant the witness knows
    but the store has lost entirely is verified too (and found truncated)."""
    by_tenant = witness.by_tenant() if witness is not None else {}
    known = set(store.tenants()) | {s["tenant"] for s in store.seals(tenant, run_id)} | set(by_tenant)
    if run_id is not None:
        run = store.get_run(run_id)
        if run is None:
            raise InputError.single("--run", "", f"no run {run_id!r} in the store")
        scope = [t for t in run.tenants if tenant is None or t == tenant]
        if tenant is not None and not scope:
            raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
    elif tenant is not None:
        if tenant not in known:
            raise InputError.single("--tenant", "", f"no evidence for tenant {tenant!r} in the store")
        scope = [tenant]
    else:
        scope = sorted(known)
    pinned = key_id(public_key) if public_key is not None else None
    summary = None
    heads: dict[str, list[ChainHead]] | None = None
    if witness is not None:
        summary = {"url": witness.url, "heads": len(witness.heads), "problems": witness.problems}
        summary["notes"] = witness.notes
        heads = {t: by_tenant.get(t, []) for t in scope}
    if location is not None and len(scope) > 1 and jobs != 1:
        # Deferred: process pools cost start-up time that most verifications never need.
        from controlplane.evidence.parallel import choose_jobs, verify_tenants_in_processes

        processes = choose_jobs(store.count_records(), len(scope), jobs)
        if processes > 1:
            found = verify_tenants_in_processes(location, scope, run_id, public_key, max_problems, processes, heads)
            return Verification(found, pinned, summary)
    results = [
        verify_tenant(store, t, run_id, public_key, max_problems, heads[t] if heads is not None else None)
        for t in scope
    ]
    return Verification(results, pinned, summary)
