"""Governance evidence joined to the technical evidence: attestations (who vouches for an
attested control, with which documents, until when), waivers (accepted risks) and the
statement of applicability. Attestations and waivers are stored as ordinary evidence records
in the tenants' hash chains, so sealing, bundles and both verifiers cover them unchanged."""
