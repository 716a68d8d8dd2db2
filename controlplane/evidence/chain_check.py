"""One tenant's chain and seals, checked: the problems found and the verdict they give.

The kinds of tampering and their names are listed in `verify.py`; this module walks the records and
the seals, `witness_check` compares the store with a witness's heads, `tenant_verify` runs both.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controlplane.evidence.keys import key_id, public_from_b64
from controlplane.evidence.seal import seal_payload
from controlplane.evidence.witness import ChainHead
from controlplane.results import RunStatus
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


def describe(rec: dict[str, Any]) -> str:
    return f"run {rec['run_id']} seq {rec['seq']} (row {rec['row_id']}, {rec['control']} on {rec['target'] or '-'})"


@dataclass
class _RunFacts:
    count: int = 0
    first: str | None = None
    last: str | None = None
    last_rec: dict[str, Any] | None = None


class TenantChainCheck:
    """Walks one tenant's chain and seals, collecting what is wrong in `result` (up to `max_problems`)."""

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
        lease = self.store.lease_of(run_id) if run.status in (RunStatus.running, RunStatus.interrupted) else None
        if run.status == RunStatus.running:
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
