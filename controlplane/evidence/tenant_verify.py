"""Verify one tenant: its chain and seals, then (with a witness's heads) the store against them.

Its own module so that both `verify.verify_store` and the worker processes of `parallel` call it,
without `verify` and `parallel` importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from controlplane.evidence.chain_check import TenantChainCheck, TenantVerification
from controlplane.evidence.witness import ChainHead
from controlplane.evidence.witness_check import check_heads
from controlplane.store import EvidenceStore


def verify_tenant(
    store: EvidenceStore,
    tenant: str,
    run_id: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    max_problems: int = 20,
    heads: Sequence[ChainHead] | None = None,
) -> TenantVerification:
    """One tenant's chain and seals; with `heads` (from a witness), the store against them."""
    check = TenantChainCheck(store, tenant, max_problems, heads)
    check.walk_chain()
    check.check_seals(run_id, public_key)
    if heads is not None:
        check_heads(check)
    return check.result
