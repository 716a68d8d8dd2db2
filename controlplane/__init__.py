"""HDS compliance control plane: per-tenant compliance checks, evidence and reports."""

__version__ = "0.1.0"
