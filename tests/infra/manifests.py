"""Reading the deployment files: Kustomize builds through the real kubectl, YAML documents,
pod templates and containers of the built objects."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
KUBERNETES_VERSION = "1.33"
NAMESPACE = "hds-controlplane"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (for `kubectl kustomize`) is not installed")


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@cache
def _build(directory: str) -> str:
    assert KUBECTL is not None
    proc = subprocess.run([KUBECTL, "kustomize", directory], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"kubectl kustomize {directory} failed: {proc.stderr}"
    return proc.stdout


def build(overlay: str) -> list[dict[str, Any]]:
    """The objects `kubectl apply -k infra/k8s/overlays/<overlay>` would send."""
    return [d for d in yaml.safe_load_all(_build(str(K8S / "overlays" / overlay))) if d]


def kustomization_files(directory: Path) -> list[Path]:
    """Plain resource files a kustomization lists (not other kustomizations)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    return [directory / r for r in kustomization.get("resources", []) if (directory / r).is_file()]


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, pod spec) for every workload that runs pods."""
    for doc in docs:
        kind, spec = doc["kind"], doc.get("spec", {})
        if kind == "CronJob":
            yield doc, spec["jobTemplate"]["spec"]["template"]["spec"]
        elif kind in ("Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            yield doc, spec["template"]["spec"]
        elif kind == "Pod":
            yield doc, spec


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def the(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (doc,) = [d for d in docs if d["kind"] == kind]
    return doc


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}
