"""What `hdsctl audit` prints: a French summary an auditor reads, scenario outcomes by tenant
with their control IDs. Only names from the catalog, the features and the fleet file appear:
what a target reported stays in preuves.html, escaped, never on the terminal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ScenarioResult:
    tenant: str
    controls: tuple[str, ...]
    name: str
    status: str
    """French: conforme, non conforme, non applicable, non défini."""


_PLURAL = {
    "conforme": "conformes",
    "non conforme": "non conformes",
    "non applicable": "non applicables",
    "non défini": "non définis",
}
_LISTED = ("non conforme", "non défini", "conforme")
"""Listed per tenant with their controls, worst first; non-applicable ones are only counted."""


def french_summary(run_id: str, tenants: Sequence[str], results: Sequence[ScenarioResult]) -> list[str]:
    counts = {status: 0 for status in _PLURAL}
    by_status: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        by_status[r.status][r.tenant].extend(r.controls or (r.name,))
    lines = [
        f"Audit HDS — exécution {run_id}, {len(tenants)} locataire(s) : {', '.join(tenants)}",
        f"Scénarios : {len(results)} — " + " · ".join(f"{n} {_PLURAL.get(s, s)}" for s, n in counts.items()),
    ]
    for status in _LISTED:
        if not by_status.get(status):
            continue
        lines.append(f"{_PLURAL[status].capitalize()} :")
        for tenant in sorted(by_status[status]):
            lines.append(f"  {tenant or '?'} : {', '.join(sorted(set(by_status[status][tenant])))}")
    return lines
