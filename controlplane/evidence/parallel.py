"""Verify many tenants' chains on every core: each tenant's chain is independent of the others,
and verifying one is bound by the interpreter (reading rows, hashing), so threads would take
turns on the GIL while processes run side by side.

Each worker process opens the store itself (its own connection, read-only use) and verifies
whole tenants, so a tenant's records and seals are still read and judged together, by one
process, exactly as `verify_tenant` does in the caller's process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from controlplane.evidence.chain_check import TenantVerification
from controlplane.evidence.tenant_verify import verify_tenant
from controlplane.evidence.witness import ChainHead
from controlplane.store import EvidenceStore

MIN_RECORDS_PER_PROCESS = 200_000
"""Below this a process is not worth starting (~0.3 s to import and open the store)."""
MAX_JOBS = 8

_store: EvidenceStore | None = None


def choose_jobs(records: int, tenants: int, requested: int | None = None) -> int:
    """How many processes: as asked, else one per core while each has enough records to verify."""
    if requested is not None:
        return max(1, min(requested, tenants))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, MAX_JOBS, tenants, records // MIN_RECORDS_PER_PROCESS))


def _open(location: str) -> None:
    global _store
    _store = EvidenceStore.open(location, create=False)


def _verify(args: tuple[str, str | None, bytes | None, int, list[ChainHead] | None]) -> TenantVerification:
    tenant, run_id, raw_key, max_problems, heads = args
    assert _store is not None, "the worker's store is opened by the pool initializer"
    key = Ed25519PublicKey.from_public_bytes(raw_key) if raw_key is not None else None
    return verify_tenant(_store, tenant, run_id, key, max_problems, heads)


def verify_tenants_in_processes(
    location: str,
    tenants: Sequence[str],
    run_id: str | None,
    public_key: Ed25519PublicKey | None,
    max_problems: int,
    jobs: int,
    heads: dict[str, list[ChainHead]] | None = None,
) -> list[TenantVerification]:
    """The same verifications as `verify_tenant` for each tenant, in `tenants` order. `location`
    is the store as given to `EvidenceStore.open` (it may hold a password: it goes to the child
    processes through a pipe, never through their command line or environment)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw) if public_key is not None else None
    # Largest tenants first would balance better, but the order of tenants by size is unknown
    # without reading them; one tenant per task lets an idle process take the next one.
    context = multiprocessing.get_context("spawn")  # never fork a process holding a database connection
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_open, initargs=(location,)) as pool:
        tasks = [(t, run_id, raw, max_problems, heads[t] if heads is not None else None) for t in tenants]
        return list(pool.map(_verify, tasks))
