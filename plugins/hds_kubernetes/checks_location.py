"""Data location (HDS v2 EXI 28; ISO 27001:2022 A.5.34): every node lies in an allowed region.

Any node may run any tenant's pods and host its volumes, so every node of the cluster must be
in an allowed region (the EEA by default, see `regions`). A node without a region label is a
failure too: its location is not documented.
"""

from __future__ import annotations

from collections import Counter

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, listed, precheck
from hds_kubernetes.objects import REGION_LABEL
from hds_kubernetes.regions import DEFAULT_ALLOWED_REGIONS
from hds_kubernetes.scope import TenantScope


@check("kubernetes.data_location", "kubernetes", "nodes in allowed (EEA) regions")
def data_location(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    blocked, _ = precheck(scope, ("nodes",), namespaced=False)
    if blocked:
        return blocked
    allowed = tuple(getattr(ctx.target, "allowed_regions", DEFAULT_ALLOWED_REGIONS))
    regions = Counter(n.region or "(no region label)" for n in scope.nodes)
    outside = [n for n in scope.nodes if n.region and n.region not in allowed]
    unlabelled = [n for n in scope.nodes if not n.region]
    evidence = {
        **base_evidence(scope),
        "nodes_per_region": dict(sorted(regions.items())),
        "allowed_regions": list(allowed),
        "nodes_outside_allowed_regions": listed(f"{n.name} ({n.region})" for n in outside),
        "nodes_without_region_label": listed(n.name for n in unlabelled),
    }
    if not scope.nodes:
        return [
            Finding(
                Status.error,
                "no node is visible in the cluster: data location cannot be established",
                "nodes",
                evidence,
            )
        ]
    if outside:
        where = ", ".join(sorted({n.region or "" for n in outside}))
        return [
            Finding(
                Status.failed,
                f"{len(outside)} of {len(scope.nodes)} nodes are in regions outside the allowed ones ({where}): "
                "the tenant's pods and volumes may be placed there",
                "nodes",
                evidence,
            )
        ]
    if unlabelled:
        return [
            Finding(
                Status.failed,
                f"{len(unlabelled)} of {len(scope.nodes)} nodes have no {REGION_LABEL} label: their location is "
                "not documented",
                "nodes",
                evidence,
            )
        ]
    return [
        Finding(
            Status.passed,
            f"all {len(scope.nodes)} nodes are in allowed regions ({', '.join(sorted(regions))})",
            "nodes",
            evidence,
        )
    ]
