"""API-server audit logging (ISO 27001:2022 A.8.15), where the control plane is visible.

A self-managed control plane (kubeadm and the like) runs kube-apiserver as a static pod in
kube-system: its flags say whether audit events are written (`--audit-log-path` or
`--audit-webhook-config-file`) and by which policy (`--audit-policy-file`; without a policy
the API server records nothing). A managed control plane is invisible from the cluster: the
control is then not applicable here and is evidenced by the attested control K8S-15.
"""

from __future__ import annotations

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, precheck
from hds_kubernetes.objects import ControlPlanePod
from hds_kubernetes.scope import TenantScope

ATTESTED_CONTROL = "K8S-15"
SINKS = ("--audit-log-path", "--audit-webhook-config-file")


def _judge(scope: TenantScope, pod: ControlPlanePod) -> Finding:
    audit = {k: v for k, v in sorted(pod.flags.items()) if k.startswith("--audit-")}
    evidence = {**base_evidence(scope), "node": pod.node_name, "audit_flags": audit}
    where = f"kube-system/Pod/{pod.name}"
    sinks = [f for f in SINKS if pod.flags.get(f)]
    if not pod.flags.get("--audit-policy-file"):
        return Finding(
            Status.failed,
            f"kube-apiserver {pod.name} runs without --audit-policy-file: it records no audit event",
            where,
            evidence,
        )
    if not sinks:
        return Finding(
            Status.failed,
            f"kube-apiserver {pod.name} has an audit policy but no --audit-log-path or --audit-webhook-config-file: "
            "events are not written anywhere",
            where,
            evidence,
        )
    to = []
    if pod.flags.get("--audit-log-path"):
        path = pod.flags["--audit-log-path"]
        to.append("standard output" if path == "-" else path)
    if pod.flags.get("--audit-webhook-config-file"):
        to.append("a webhook backend")
    return Finding(
        Status.passed,
        f"kube-apiserver {pod.name} writes audit events to {' and '.join(to)} under policy "
        f"{pod.flags['--audit-policy-file']}",
        where,
        evidence,
    )


@check("kubernetes.audit_logging", "kubernetes", "API server audit logging enabled")
def audit_logging(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    blocked, _ = precheck(scope, ("pods",), namespaced=False)
    if blocked:
        return blocked
    if not scope.control_plane_pods:
        return [
            Finding(
                Status.not_applicable,
                "the API server does not run as a kube-system pod here (managed control plane, or one run outside "
                f"the cluster): its audit logging cannot be read from the cluster; it is evidenced by the attested "
                f"control {ATTESTED_CONTROL}",
                "kube-apiserver",
                {**base_evidence(scope), "kube_apiserver_pods": 0, "attested_control": ATTESTED_CONTROL},
            )
        ]
    return [_judge(scope, pod) for pod in sorted(scope.control_plane_pods, key=lambda p: p.name)]
