"""The store against a witness: every head the witness anchored must still be true of the store.

A head says "after run R, tenant T's chain held N records ending with hash H, R's counts had digest
C and R's seal for T was S". The store contradicts it when its chain for T is shorter than N (the
tail was deleted: `truncated`), when its N-th record is another one (`witness_mismatch`), when run
R is gone (`run_deleted`), when R's counts have another digest (`counts_forged`), or when the seal
is gone or different (`seal_deleted`, `seal_replaced`). Runs finished after the last head and
never anchored are noted: whoever writes the store can add runs; only anchored history is proven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controlplane.store.chain import counts_digest

if TYPE_CHECKING:
    from controlplane.evidence.chain_check import TenantChainCheck
    from controlplane.evidence.witness import ChainHead


def _when(head: ChainHead) -> str:
    return f"anchored {head.anchored_at}"


def check_heads(check: TenantChainCheck) -> None:
    tenant = check.result.tenant
    held = check.result.records
    check.result.anchored_heads = len(check.heads)
    longest = max(check.heads, key=lambda h: h.chain_length, default=None)
    if longest is not None and longest.chain_length > held:
        lost = sorted({h.run_id for h in check.heads if h.chain_length > held})
        check.problem(
            "truncated",
            f"the witness holds {longest.chain_length} records for tenant {tenant} after run {longest.run_id} "
            f"({_when(longest)}), the store {held}: the chain's tail was deleted (anchored runs beyond it: "
            f"{', '.join(lost)})",
            None,
            longest.run_id,
        )
    seals = {s["run_id"]: s for s in check.store.seals(tenant)}
    for head in check.heads:
        _check_head(check, head, seals.get(head.run_id))
    anchored = {h.run_id for h in check.heads}
    loose = [r for r in check.result.runs if r not in anchored and r not in check.result.in_progress_runs]
    if loose:
        shown = ", ".join(loose[:5]) + (f" and {len(loose) - 5} more" if len(loose) > 5 else "")
        check.result.notes.append(f"runs not anchored in the witness (run without --witness?): {shown}")


def _check_head(check: TenantChainCheck, head: ChainHead, seal: dict | None) -> None:
    tenant = check.result.tenant
    run = check.run_rows.get(head.run_id) or check.store.get_run(head.run_id)
    if run is None:
        check.problem(
            "run_deleted",
            f"run {head.run_id} ({head.run_records} records of tenant {tenant}, {_when(head)}) is in the witness "
            "but missing from the store: the run was deleted",
            None,
            head.run_id,
        )
    elif counts_digest(run.counts) != head.counts_digest:
        check.problem(
            "counts_forged",
            f"the counts of run {head.run_id} in the store are not those anchored in the witness ({_when(head)}): "
            "they were changed",
            None,
            head.run_id,
        )
    if 0 < head.chain_length <= check.result.records and check.hash_at.get(head.chain_length) != head.last_record_hash:
        check.problem(
            "witness_mismatch",
            f"record {head.chain_length} of tenant {tenant}'s chain is not the one anchored after run "
            f"{head.run_id} ({_when(head)}): the chain was rewritten",
            None,
            head.run_id,
        )
    if head.seal is not None:
        if seal is None:
            check.problem(
                "seal_deleted",
                f"run {head.run_id} was sealed for tenant {tenant} (key id {head.seal.get('key_id', '-')[:16]}…, "
                f"{_when(head)}) but its seal is gone from the store",
                None,
                head.run_id,
            )
        elif seal["signature"] != head.seal.get("signature"):
            check.problem(
                "seal_replaced",
                f"the seal of run {head.run_id} for tenant {tenant} is not the one anchored in the witness: replaced",
                None,
                head.run_id,
            )
