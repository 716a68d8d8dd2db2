"""Tamper-evident evidence: seal runs with Ed25519, verify chains and seals, export bundles.

After `runner.execute(prepared, store)` returns, `seal_run(store, outcome.run_id, key)` signs
the run for each of its tenants (key: an Ed25519 private key, a PEM file path, or `env:VAR`).
"""

from controlplane.evidence.bundle import BundleSummary, export_bundle
from controlplane.evidence.keys import KEY_ENV, generate_key, key_id, load_public_key, load_signing_key
from controlplane.evidence.seal import SealOutcome, seal_payload, seal_run
from controlplane.evidence.verify import Problem, TenantVerification, Verification, verify_store, verify_tenant

__all__ = [
    "KEY_ENV",
    "BundleSummary",
    "Problem",
    "SealOutcome",
    "TenantVerification",
    "Verification",
    "export_bundle",
    "generate_key",
    "key_id",
    "load_public_key",
    "load_signing_key",
    "seal_payload",
    "seal_run",
    "verify_store",
    "verify_tenant",
]
