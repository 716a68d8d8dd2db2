"""Evidence integrity: hash-chain verification, run seals, auditor bundles."""
