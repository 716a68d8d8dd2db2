"""Workload hardening (ISO 27001:2022 A.8.9): Pod Security admission and host access.

Pod Security admission at `restricted` makes the API server refuse privileged pods before
they run; the second check reads what does run — every pod, every container of it (init and
ephemeral ones included), whoever owns it — and what Deployments, StatefulSets, DaemonSets and
CronJobs will start (a CronJob's pods run only on schedule), so a namespace labelled late or
exempted still shows its privileged pods.
"""

from __future__ import annotations

from typing import Any

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_kubernetes.findings import base_evidence, precheck, ref
from hds_kubernetes.objects import PSA_ENFORCE_LABEL, Pod
from hds_kubernetes.scope import TenantScope
from hds_kubernetes.snapshot import NamespaceContents

PSA_PREFIX = "pod-security.kubernetes.io/"


@check("kubernetes.pod_security_admission", "kubernetes", "Pod Security 'restricted' enforced")
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


def _owner_chain(pod: Pod, box: NamespaceContents) -> tuple[str | None, str | None, bool]:
    """(owner, controlling workload, whether the pod follows that workload's current template).

    A Deployment's pods belong to ReplicaSets; the ReplicaSet's own ownerReference names the
    Deployment, and its revision says whether it is the current one. Without ReplicaSets in the
    snapshot, kubectl's naming (`<deployment>-<pod-template-hash>`) identifies the Deployment,
    and the revision is unknown (assumed current, so only what the pod adds is reported)."""
    if pod.owner_kind is None:
        return None, None, False
    owner = f"{pod.owner_kind}/{pod.owner_name}"
    if pod.owner_kind in ("StatefulSet", "DaemonSet"):
        return owner, owner, True
    if pod.owner_kind != "ReplicaSet":
        return owner, None, False
    rs = box.replica_sets.get(pod.owner_name or "")
    if rs is not None:
        if rs.owner_kind != "Deployment":
            return owner, None, False
        revisions = [r.revision or 0 for r in box.replica_sets.values() if r.owner_name == rs.owner_name]
        current = rs.revision is None or rs.revision >= max(revisions)
        return owner, f"Deployment/{rs.owner_name}", current
    pod_hash = pod.labels.get("pod-template-hash")
    if pod_hash and (pod.owner_name or "").endswith(f"-{pod_hash}"):
        return owner, f"Deployment/{(pod.owner_name or '')[: -len(pod_hash) - 1]}", True
    return owner, None, False


def _judge_pods(box: NamespaceContents, templates: dict[str, list[str]]) -> list[tuple[Pod, list[str], dict[str, Any]]]:
    """Each pod with the issues its template does not already account for.

    Every pod is read, whoever owns it: a pod may differ from its template (an ephemeral
    container added by `kubectl debug`, a pod of an older ReplicaSet still running, a pod
    edited in place). Issues its controller's current template also has are reported once,
    on the template; the rest is reported on the pod, with its owner."""
    out = []
    for pod in sorted(box.pods, key=lambda p: p.name):
        owner, controller, current = _owner_chain(pod, box)
        issues = pod.spec.hardening_issues()
        known = templates.get(controller or "", []) if current else []
        extra = [i for i in issues if i not in known]
        attribution = {"owner": owner, "controller": controller}
        if controller is not None and not current:
            attribution["revision"] = "an older revision than its controller's current template"
        out.append((pod, extra, attribution))
    return out


@check("kubernetes.workload_hardening", "kubernetes", "no privileged, hostPath, hostNetwork")
def workload_hardening(scope: TenantScope, ctx: CheckContext) -> list[Finding]:
    findings, go_on = precheck(scope, ("pods", "deployments", "statefulsets", "daemonsets", "cronjobs"))
    if not go_on:
        return findings
    for ns in scope.namespaces:
        box = scope.contents_of(ns.name)
        owners = [*box.workloads, *box.templates]
        templates = {f"{w.kind}/{w.name}": w.pod.hardening_issues() for w in owners}
        bad = 0
        for w in sorted(owners, key=lambda w: (w.kind, w.name)):
            issues = templates[f"{w.kind}/{w.name}"]
            if issues:
                bad += 1
                findings.append(
                    Finding(
                        Status.failed,
                        f"{w.kind} {w.name} in {ns.name}: {'; '.join(issues)}",
                        ref(ns.name, w.kind, w.name),
                        {**base_evidence(scope), "issues": issues, "judged": "pod template (what it will run)"},
                    )
                )
        for pod, issues, attribution in _judge_pods(box, templates):
            if issues:
                bad += 1
                of = f" ({', '.join(v for v in (attribution['owner'], attribution['controller']) if v)})"
                note = f", {attribution['revision']}" if "revision" in attribution else ""
                findings.append(
                    Finding(
                        Status.failed,
                        f"Pod {pod.name} in {ns.name}{of if attribution['owner'] else ''}{note}: {'; '.join(issues)}",
                        ref(ns.name, "Pod", pod.name),
                        {
                            **base_evidence(scope),
                            "issues": issues,
                            "judged": "running pod (what runs)",
                            "phase": pod.phase,
                            "node": pod.node_name,
                            **attribution,
                        },
                    )
                )
        if not owners and not box.pods:
            findings.append(
                Finding(
                    Status.not_applicable,
                    f"namespace {ns.name} runs no pod and has no Deployment, StatefulSet, DaemonSet or CronJob",
                    ns.name,
                    base_evidence(scope),
                )
            )
        elif not bad:
            findings.append(
                Finding(
                    Status.passed,
                    f"namespace {ns.name}: {len(owners)} workload template(s) and {len(box.pods)} pod(s) "
                    "(every container, init and ephemeral ones included) checked, none privileged, none with "
                    "hostPath, hostNetwork, hostPID or hostIPC",
                    ns.name,
                    {
                        **base_evidence(scope),
                        "workloads_checked": len(owners),
                        "pods_checked": len(box.pods),
                    },
                )
            )
    return findings
