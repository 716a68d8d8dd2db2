"""Evidence store: append-only, hash-chained per tenant, SQLite or PostgreSQL."""

from controlplane.store.sql import DEFAULT_STORE, EvidenceStore, RunRecord, describe_location

__all__ = ["DEFAULT_STORE", "EvidenceStore", "RunRecord", "describe_location"]
