"""Anchoring: after every run, each tenant's chain head is written to a witness outside the store.

Why: whoever can write the store can delete a chain's *tail* — the last run's results, its seals
and its run row — and nothing left in the store shows it (every remaining link and seal still
verifies); they can also rewrite `runs.counts` of an unsealed run. A witness is an append-only log
the store's writer cannot rewrite: an S3 bucket with Object Lock in COMPLIANCE mode (plugin
`hds_s3`, `s3://bucket/prefix`), or a local append-only file (`file:///path`, below in
`witness_file`, which protects only against a writer who cannot write that file). `hdsctl evidence
verify --witness URL` compares the store with every head the witness holds.

A head says: after run R, tenant T's chain held N records ending with hash H; R held K of them;
R's counts had digest C; and R's seal for T (if any) was S. Witnesses come from plugins through the
`hds_witnesses` hook, one factory per URL scheme; the core provides `file` (`witness_registry`
finds them and opens a URL).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from controlplane.errors import InputError, _printable
from controlplane.store.chain import counts_digest
from controlplane.store.faults import StoreFault

if TYPE_CHECKING:
    from controlplane.store import EvidenceStore

WITNESS_FORMAT = "hds-witness/1"
HEX64 = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class ChainHead:
    """One tenant's chain head after one run: what a witness keeps."""

    tenant: str
    run_id: str
    chain_length: int
    last_record_hash: str | None
    run_records: int
    counts_digest: str
    seal: dict[str, str] | None
    anchored_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ChainHead:
        """A head read back from a witness: every field checked (a witness is outside our control)."""
        if not isinstance(data, dict):
            raise ValueError("a head is not an object")
        strings = ("tenant", "run_id", "counts_digest", "anchored_at")
        if any(not isinstance(data.get(k), str) or len(data[k]) > 256 for k in strings):
            raise ValueError("a head lacks tenant, run_id, counts_digest or anchored_at")
        for k in ("chain_length", "run_records"):
            if type(data.get(k)) is not int or data[k] < 0:
                raise ValueError(f"a head's {k} is not a count")
        last = data.get("last_record_hash")
        if last is not None and (not isinstance(last, str) or len(last) != 64 or not set(last) <= HEX64):
            raise ValueError("a head's last_record_hash is not a SHA-256")
        seal = data.get("seal")
        if seal is not None and (
            not isinstance(seal, dict) or not all(isinstance(v, str) and len(v) < 512 for v in seal.values())
        ):
            raise ValueError("a head's seal is malformed")
        return cls(
            data["tenant"],
            data["run_id"],
            data["chain_length"],
            last,
            data["run_records"],
            data["counts_digest"],
            dict(seal) if seal is not None else None,
            data["anchored_at"],
        )


@dataclass
class WitnessContents:
    """What a witness holds, and what is wrong with the witness itself (an edited line...)."""

    url: str
    heads: list[ChainHead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def by_tenant(self) -> dict[str, list[ChainHead]]:
        out: dict[str, list[ChainHead]] = {}
        for head in self.heads:
            out.setdefault(head.tenant, []).append(head)
        return out


class Witness(Protocol):
    """An append-only log of chain heads outside the store."""

    url: str
    """Where it is, for messages (never a credential)."""

    def append(self, heads: Sequence[ChainHead]) -> None:
        """Write the heads durably, or raise `WitnessError`. Never rewrites earlier entries."""

    def read(self, tenants: Collection[str] | None = None) -> WitnessContents:
        """Every head kept (of `tenants`, when given), oldest first, with the witness's own damage."""


class WitnessError(StoreFault):
    """A witness could not be written or read: exit code 3, as a store fault."""

    def one_line(self) -> str:
        return _printable(f"witness {self.location}: {self.reason}")


@dataclass(frozen=True)
class WitnessScheme:
    """What a plugin's `hds_witnesses` hook returns: a URL scheme and the factory for its URLs."""

    scheme: str
    open: Callable[[str], Witness]
    description: str = ""


def _seal_summary(seal: dict[str, Any] | None) -> dict[str, str] | None:
    if seal is None:
        return None
    return {k: str(seal[k]) for k in ("key_id", "signature", "sealed_at") if seal.get(k) is not None}


def chain_heads_after(store: EvidenceStore, run_id: str) -> list[ChainHead]:
    """The heads of each tenant of a finished run, as they are now in the store."""
    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("--run", "", f"no run {run_id!r} in the store")
    lengths = store.chain_lengths(run.tenants)
    seals = {s["tenant"]: s for s in store.seals(None, run_id)}
    when = datetime.now(UTC).isoformat(timespec="milliseconds")
    digest = counts_digest(run.counts)
    return [
        ChainHead(
            tenant,
            run_id,
            lengths[tenant][0],
            lengths[tenant][1],
            sum(store.status_counts(run_id, tenant).values()),
            digest,
            _seal_summary(seals.get(tenant)),
            when,
        )
        for tenant in run.tenants
    ]


def anchor_run(store: EvidenceStore, run_id: str, witness: Witness) -> list[ChainHead]:
    """Write each tenant's chain head after `run_id` to the witness (call it after sealing)."""
    heads = chain_heads_after(store, run_id)
    witness.append(heads)
    return heads
