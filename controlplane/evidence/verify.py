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

import base64
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controlplane.errors import InputError
from controlplane.evidence.keys import key_id, public_from_b64
from controlplane.evidence.seal import seal_payload
from controlplane.evidence.witness import ChainHead, WitnessContents
from controlplane.store import EvidenceStore, RunRecord
from controlplane.store.chain import GENESIS, canonical_json, counts_digest


@dataclass(frozen=True)
class Problem:
    kind: str
    tenant: str
    run_id: str | None
    seq: int | None
    row_id: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SEALED, UNSEALED, TAMPERED = "sealed", "unsealed", "tampered"
VERDICTS = (SEALED, UNSEALED, TAMPERED)
"""From best to worst."""


@dataclass
class TenantVerification:
    tenant: str
    records: int = 0
    runs: list[str] = field(default_factory=list)
    sealed_runs: list[str] = field(default_factory=list)
    unsealed_runs: list[str] = field(default_factory=list)
    in_progress_runs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    anchored_heads: int = 0

    @property
    def ok(self) -> bool:
        """Intact: no tampering found (unsealed runs may remain)."""
        return not self.problems

    @property
    def verdict(self) -> str:
        return TAMPERED if self.problems else UNSEALED if self.unsealed_runs else SEALED

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "verdict": self.verdict,
            "ok": self.ok,
            "records": self.records,
            "runs": self.runs,
            "sealed_runs": self.sealed_runs,
            "unsealed_runs": self.unsealed_runs,
            "in_progress_runs": self.in_progress_runs,
            "anchored_heads": self.anchored_heads,
            "problems": [p.as_dict() for p in self.problems],
            "more_problems": self.truncated,
            "notes": self.notes,
        }


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


def describe(rec: dict[str, Any]) -> str:
    return f"run {rec['run_id']} seq {rec['seq']} (row {rec['row_id']}, {rec['control']} on {rec['target'] or '-'})"


@dataclass
class _RunFacts:
    count: int = 0
    first: str | None = None
    last: str | None = None
    last_rec: dict[str, Any] | None = None


class _TenantCheck:
    def __init__(
        self, store: EvidenceStore, tenant: str, max_problems: int, heads: Sequence[ChainHead] | None = None
    ) -> None:
        self.store = store
        self.result = TenantVerification(tenant)
        self.max_problems = max_problems
        self.runs: dict[str, _RunFacts] = {}
        self.heads = list(heads or [])
        self.wanted = {h.chain_length for h in self.heads}
        self.hash_at: dict[int, str] = {}
        """Hashes of the chain at the positions the witness anchored (1-based)."""
        self.run_rows: dict[str, RunRecord] = {}

    def problem(self, kind: str, message: str, rec: dict[str, Any] | None = None, run_id: str | None = None) -> None:
        if len(self.result.problems) >= self.max_problems:
            self.result.truncated = True
            return
        self.result.problems.append(
            Problem(
                kind,
                self.result.tenant,
                rec["run_id"] if rec else run_id,
                rec["seq"] if rec else None,
                rec["row_id"] if rec else None,
                message,
            )
        )

    def walk_chain(self) -> None:
        expected, prev = GENESIS, None
        for rec in self.store.chain_integrity(self.result.tenant):
            self.result.records += 1
            if not rec["intact"]:
                self.problem(
                    "altered", f"record {describe(rec)} was altered: its content no longer matches its hash", rec
                )
            elif rec["prev_hash"] != expected:
                self._broken_link(rec, prev)
            expected, prev = rec["record_hash"], rec
            if self.result.records in self.wanted:
                self.hash_at[self.result.records] = rec["record_hash"]
            facts = self.runs.setdefault(rec["run_id"], _RunFacts())
            facts.count += 1
            facts.first = facts.first or rec["record_hash"]
            facts.last, facts.last_rec = rec["record_hash"], rec

    def _broken_link(self, rec: dict[str, Any], prev: dict[str, Any] | None) -> None:
        after = f"after {describe(prev)}" if prev else "at the start of the chain"
        target = self.store.find_record(self.result.tenant, rec["prev_hash"]) if rec["prev_hash"] != GENESIS else None
        if target is None and rec["prev_hash"] == GENESIS:
            self.problem("reordered", f"record {describe(rec)} claims to start the chain but comes {after}", rec)
        elif target is None:
            self.problem(
                "missing",
                f"a record is missing before {describe(rec)}: it comes {after} but follows a record "
                f"(hash {rec['prev_hash'][:16]}…) that no longer exists — deleted, or rewritten and re-hashed",
                rec,
            )
        elif target["row_id"] > rec["row_id"]:
            self.problem(
                "reordered",
                f"record {describe(rec)} is out of order: it comes before {describe(target)}, which it should follow",
                rec,
            )
        else:
            self.problem("reordered", f"record {describe(rec)} should follow {describe(target)} but comes {after}", rec)

    def check_seals(self, run_scope: str | None, pinned: Ed25519PublicKey | None) -> None:
        seals = {s["run_id"]: s for s in self.store.seals(self.result.tenant, run_scope)}
        run_ids = [r for r in self.runs if run_scope is None or r == run_scope]
        run_ids += [r for r in seals if r not in self.runs]
        self.result.runs = run_ids
        self.run_rows = {r.run_id: r for r in self.store.list_runs(10**9, self.result.tenant)}
        for run_id in run_ids:
            if run_id not in self.run_rows and self.store.get_run(run_id) is None:
                self.problem(
                    "run_missing",
                    f"run {run_id} has evidence for tenant {self.result.tenant} but no run row: the run was deleted",
                    None,
                    run_id,
                )
            seal = seals.get(run_id)
            if seal is None:
                self._unsealed(run_id)  # whatever its status: a run in progress is not sealed
                continue
            self.result.sealed_runs.append(run_id)
            self._check_seal(seal, self.runs.get(run_id, _RunFacts()), pinned)

    def _unsealed(self, run_id: str) -> None:
        self.result.unsealed_runs.append(run_id)
        run = self.run_rows.get(run_id)
        if run is None:
            return
        lease = self.store.lease_of(run_id) if run.status in ("running", "interrupted") else None
        if run.status == "running":
            self.result.in_progress_runs.append(run_id)
            held = f" ({lease.description})" if lease else ""
            self.result.notes.append(f"run {run_id} is in progress{held}: its records verify so far; it is not sealed")
        elif lease is not None:
            self.result.notes.append(
                f"run {run_id} is marked running but its {lease.description}: shown as interrupted"
            )

    def _check_seal(self, seal: dict[str, Any], facts: _RunFacts, pinned: Ed25519PublicKey | None) -> None:
        run_id = seal["run_id"]
        where = f"seal of run {run_id} for tenant {self.result.tenant}"
        if pinned is not None and seal["key_id"] != key_id(pinned):
            self.problem("seal_key", f"{where} was signed by another key (key id {seal['key_id'][:16]}…)", None, run_id)
            return
        try:
            key = pinned or public_from_b64(seal["public_key"])
            if pinned is None and key_id(key) != seal["key_id"]:
                raise InvalidSignature
            key.verify(base64.b64decode(seal["signature"], validate=True), seal_payload(seal))
        except (InvalidSignature, ValueError):
            self.problem("seal_signature", f"{where} does not verify: forged or altered seal", None, run_id)
            return
        run = self.run_rows.get(run_id)
        sealed_counts = seal.get("counts_digest")
        if sealed_counts is not None and run is not None and counts_digest(run.counts) != sealed_counts:
            self.problem(
                "counts_mismatch",
                f"the counts of run {run_id} ({canonical_json(run.counts)}) are not those its {where} covers: "
                "they were changed after sealing",
                None,
                run_id,
            )
        if (seal["record_count"], seal["first_record_hash"], seal["last_record_hash"]) != (
            facts.count,
            facts.first,
            facts.last,
        ):
            last = f"; the last record present is {describe(facts.last_rec)}" if facts.last_rec else ""
            self.problem(
                "seal_mismatch",
                f"{where} covers {seal['record_count']} records ending with hash "
                f"{(seal['last_record_hash'] or '-')[:16]}…, the store holds {facts.count} ending with "
                f"{(facts.last or '-')[:16]}…: records were deleted, added or rewritten{last}",
                facts.last_rec,
                run_id,
            )


def verify_tenant(
    store: EvidenceStore,
    tenant: str,
    run_id: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    max_problems: int = 20,
    heads: Sequence[ChainHead] | None = None,
) -> TenantVerification:
    """One tenant's chain and seals; with `heads` (from a witness), the store against them."""
    check = _TenantCheck(store, tenant, max_problems, heads)
    check.walk_chain()
    check.check_seals(run_id, public_key)
    if heads is not None:
        from controlplane.evidence.witness_check import check_heads

        check_heads(check)
    return check.result


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
