"""Which nodes a pod may be scheduled on, decided as kube-scheduler decides it.

A node counts for a workload only if the scheduler would place its pods there: the node is
Ready and not cordoned, every `NoSchedule`/`NoExecute` taint of the node is tolerated
(`PreferNoSchedule` only lowers the score), the pod's `nodeSelector` matches the node's
labels and one of its required node-affinity terms does. A kubeadm control-plane node
(tainted `node-role.kubernetes.io/control-plane:NoSchedule`) therefore does not count for a
tenant whose pods do not tolerate that taint.
"""

from __future__ import annotations

from hds_kubernetes.objects import Node, NodeRequirement, Placement, Taint, Toleration

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """`Toleration.ToleratesTaint` of k8s.io/api/core/v1."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True  # an empty key with Exists tolerates every taint
    return toleration.operator in ("Equal", "") and toleration.value == taint.value


def untolerated(node: Node, placement: Placement) -> list[Taint]:
    """The node's taints that keep these pods off it."""
    return [
        t
        for t in node.taints
        if t.effect in BLOCKING_EFFECTS and not any(tolerates(tol, t) for tol in placement.tolerations)
    ]


def _requirement_matches(req: NodeRequirement, node: Node) -> bool:
    if req.match_field:
        value: str | None = node.name if req.key == "metadata.name" else None
    else:
        value = node.labels.get(req.key)
    op = req.operator
    if op == "In":
        return value is not None and value in req.values
    if op == "NotIn":
        return value is None or value not in req.values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(req.values) == 1:
        try:
            left, right = int(value), int(req.values[0])
        except ValueError:
            return False
        return left > right if op == "Gt" else left < right
    return False


def selects(placement: Placement, node: Node) -> bool:
    """nodeSelector and required node affinity (terms ORed; an empty term matches nothing)."""
    if any(node.labels.get(k) != v for k, v in placement.node_selector):
        return False
    if not placement.node_affinity:
        return True
    return any(term and all(_requirement_matches(r, node) for r in term) for term in placement.node_affinity)


def why_not_schedulable(node: Node, placement: Placement) -> str | None:
    """Why the scheduler would not place these pods on the node, or None if it may."""
    if not node.ready:
        return "not Ready"
    if node.unschedulable:
        return "cordoned (spec.unschedulable)"
    blocking = untolerated(node, placement)
    if blocking:
        return f"taint {blocking[0]} not tolerated"
    if not selects(placement, node):
        return "excluded by nodeSelector or required node affinity"
    return None
