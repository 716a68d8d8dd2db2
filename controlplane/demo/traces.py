"""`hdsctl demo`: export the compliant demo tenant's access traces while the demo's endpoints
are up, and show a few lines, so the right of EXI 15 is seen exercised, not only described."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.config.loader import Fleet
from controlplane.traces.export import export_traces, tenant_sources

SHOWN = 6


def demo_traces(pm: Any, fleet: Fleet, key: Ed25519PrivateKey, workdir: Path) -> tuple[list[str], Path | None]:
    """Lines to print (the export, and its last few accesses, newest last) and the export file."""
    for tenant in fleet.tenants:
        sources = tenant_sources(pm, tenant, fleet.runtime.collect_timeout_s)
        if not sources:
            continue
        out = workdir / f"traces-{tenant.id}.json"
        outcome = export_traces(fleet, tenant, sources, out, "json", key)
        with out.open(encoding="utf-8") as fh:
            last = [json.loads(line) for line in fh][-SHOWN:]
        lines = [f"Access traces of {tenant.id} (hdsctl traces): {outcome.records} accesses, sealed, in {out.name}"]
        for r in last:
            who = f"{r['actor_kind']}" + (f" {r['staff']}" if r["staff"] else "")
            flag = "  ⚠ staff access from outside the EEA" if r["outside_eea"] else ""
            where = f" from {r['source_address']}" + (f" ({r['country']})" if r["country"] else "")
            lines.append(f"  {r['when']}  {who:<24} {r['action']:<18} {r['resource']}{where}{flag}")
        return lines, out
    return [], None
