"""Workload hardening (ISO 27001:2022 A.8.9): Pod Security admission and host access.

Pod Security admission at `restricted` makes the API server refuse privileged pods before
they run; the second check reads what does run (and what Deployments/StatefulSets would
start), so a namespace labelled late or exempted still shows its privileged pods.
"""

from __future__ import annotations

from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, precheck, ref
from hds_kubernetes.objects import PSA_ENFORCE_LABEL, Pod, Workload
from hds_kubernetes.scope import TenantScope

PSA_PREFIX = "pod-security.kubernetes.io/"


def pod_security_admission(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    required = str(ctx.params.get("enforce_level", "restricted"))
    findings, go_on = precheck(scope, ())
    if not go_on:
        return findings
    for ns in scope.namespaces:
        level = ns.labels.get(PSA_ENFORCE_LABEL)
        evidence = {
            **base_evidence(scope),
            "pod_security_labels": {k: v for k, v in sorted(ns.labels.items()) if k.startswith(PSA_PREFIX)},
            "required_enforce_level": required,
        }
        if level == required:
            findings.append(
                Finding(Status.passed, f"namespace {ns.name} enforces Pod Security {required!r}", ns.name, evidence)
            )
        elif level is None:
            findings.append(
                Finding(
                    Status.failed,
                    f"namespace {ns.name} has no {PSA_ENFORCE_LABEL} label: the cluster default applies "
                    "(privileged unless configured otherwise)",
                    ns.name,
                    evidence,
                )
            )
        else:
            findings.append(
                Finding(
                    Status.failed,
                    f"namespace {ns.name} enforces Pod Security {level!r}, not {required!r}",
                    ns.name,
                    evidence,
                )
            )
    return findings


def _managed_by(pod: Pod, workloads: list[Workload]) -> bool:
    """Whether a judged Deployment/StatefulSet template already stands for this pod."""
    if pod.owner_kind == "StatefulSet":
        return any(w.kind == "StatefulSet" and w.name == pod.owner_name for w in workloads)
    if pod.owner_kind == "ReplicaSet" and "pod-template-hash" in pod.labels:
        rs = pod.owner_name or ""
        return any(w.kind == "Deployment" and rs == f"{w.name}-{pod.labels['pod-template-hash']}" for w in workloads)
    return False


def workload_hardening(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("pods", "deployments", "statefulsets"))
    if not go_on:
        return findings
    for ns in scope.namespaces:
        box = scope.contents_of(ns.name)
        others = [p for p in box.pods if not _managed_by(p, box.workloads)]
        judged = [(w.kind, w.name, w.pod) for w in box.workloads] + [("Pod", p.name, p.spec) for p in others]
        bad = 0
        for kind, name, spec in sorted(judged, key=lambda j: (j[0], j[1])):
            issues = spec.hardening_issues()
            if issues:
                bad += 1
                findings.append(
                    Finding(
                        Status.failed,
                        f"{kind} {name} in {ns.name}: {'; '.join(issues)}",
                        ref(ns.name, kind, name),
                        {**base_evidence(scope), "issues": issues},
                    )
                )
        if not judged:
            findings.append(
                Finding(
                    Status.not_applicable,
                    f"namespace {ns.name} runs no pod and has no Deployment or StatefulSet",
                    ns.name,
                    base_evidence(scope),
                )
            )
        elif not bad:
            findings.append(
                Finding(
                    Status.passed,
                    f"namespace {ns.name}: {len(box.workloads)} workload template(s) and {len(others)} other pod(s) "
                    "checked, none privileged, none with hostPath, hostNetwork, hostPID or hostIPC",
                    ns.name,
                    {
                        **base_evidence(scope),
                        "workloads_checked": len(box.workloads),
                        "pods_checked": len(others),
                        "pods_covered_by_their_workload": len(box.pods) - len(others),
                    },
                )
            )
    return findings
