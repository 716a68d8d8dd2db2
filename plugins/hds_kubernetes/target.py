"""hds.yaml entry for a tenant's slice of a Kubernetes cluster (`tenants[].targets.kubernetes[]`).

Several tenants usually name the same cluster (same kubeconfig and context, or same dump
directory); the collector lists it once and gives each tenant only its own namespaces.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from controlplane.config.models import TARGET_NAME
from controlplane.secrets import SecretRef
from hds_kubernetes.regions import DEFAULT_ALLOWED_REGIONS
from hds_kubernetes.selectors import LabelSelector, SelectorError, parse_selector
from hds_kubernetes.trace_config import KubernetesTraceLogs

DNS_LABEL = r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$"
SOURCES = ("kubeconfig", "in_cluster", "dump")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SelectorExpression(_Strict):
    key: str = Field(min_length=1, max_length=317)
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[str, ...] = ()


class NamespaceSelector(_Strict):
    """A Kubernetes label selector, written as in a manifest."""

    match_labels: dict[str, str] = Field(default_factory=dict, alias="matchLabels")
    match_expressions: tuple[SelectorExpression, ...] = Field(default=(), alias="matchExpressions")

    @model_validator(mode="after")
    def _valid(self) -> NamespaceSelector:
        if not self.match_labels and not self.match_expressions:
            raise ValueError("an empty selector selects every namespace of the cluster, other tenants' included")
        try:
            self.to_selector()
        except SelectorError as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_selector(self) -> LabelSelector:
        raw = {
            "matchLabels": self.match_labels,
            "matchExpressions": [e.model_dump() for e in self.match_expressions],
        }
        selector = parse_selector(raw)
        assert selector is not None
        return selector


class NamespaceSelection(_Strict):
    """The tenant's namespaces: explicit names and/or a label selector (a namespace matching
    either belongs to the tenant). A plain list is read as `names`."""

    names: tuple[str, ...] = Field(default=(), description="Namespace names (DNS labels)")
    selector: NamespaceSelector | None = Field(default=None, description="Label selector on namespaces")

    @model_validator(mode="before")
    @classmethod
    def _list_means_names(cls, data: Any) -> Any:
        return {"names": data} if isinstance(data, list | tuple) else data

    @model_validator(mode="after")
    def _something(self) -> NamespaceSelection:
        if not self.names and self.selector is None:
            raise ValueError("give the tenant's namespaces: 'names', 'selector' or both")
        for name in self.names:
            if not re.match(DNS_LABEL, name):
                raise ValueError(f"{name!r} is not a valid namespace name (a DNS label)")
        return self

    def describe(self) -> str:
        parts = []
        if self.names:
            parts.append("names " + ", ".join(self.names))
        if self.selector is not None:
            parts.append(f"selector {self.selector.to_selector()}")
        return "; ".join(parts)


class KubernetesTarget(_Strict):
    name: str = Field(pattern=TARGET_NAME, description="Name of this target in reports")
    source: Literal["kubeconfig", "in_cluster", "dump"] = Field(
        default="in_cluster",
        description="How the cluster is read. Default: `dump` if dump_dir is set, `kubeconfig` if kubeconfig is "
        "set, else `in_cluster` (the service account of the pod the control plane runs in)",
    )
    kubeconfig: str | SecretRef | None = Field(
        default=None,
        description="Kubeconfig file path, or a reference: {file: /run/secrets/kubeconfig} or {env: VAR} (the "
        "variable holds the kubeconfig itself). Its credentials are used, never copied",
    )
    context: str | None = Field(default=None, min_length=1, description="Kubeconfig context (default: current)")
    dump_dir: str | None = Field(
        default=None, min_length=1, description="Directory of `kubectl get ... -o json` exports (offline audit)"
    )
    namespaces: NamespaceSelection
    encrypted_storage_classes: tuple[str, ...] = Field(
        default=(), description="StorageClasses whose volumes are encrypted at rest (provider-side, declared here)"
    )
    allowed_regions: tuple[str, ...] = Field(
        default=DEFAULT_ALLOWED_REGIONS,
        min_length=1,
        description="Node regions (topology.kubernetes.io/region) allowed to hold the data; default: EEA cloud regions",
    )
    platform_namespaces: tuple[str, ...] = Field(
        default=(),
        description="Shared platform namespaces (ingress controller, monitoring) allowed to reach the tenant's pods "
        "and to hold ServiceAccounts bound in its namespaces",
    )

    trace_logs: KubernetesTraceLogs | None = Field(
        default=None, description="API server audit log files, for `hdsctl traces` (events in the tenant's namespaces)"
    )

    @model_validator(mode="after")
    def _traced_namespaces_named(self) -> KubernetesTarget:
        if self.trace_logs is not None and not self.namespaces.names:
            raise ValueError("trace_logs needs the tenant's namespaces listed in namespaces.names")
        return self

    @model_validator(mode="before")
    @classmethod
    def _infer_source(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("source") is None:
            source = "dump" if data.get("dump_dir") else "kubeconfig" if data.get("kubeconfig") else "in_cluster"
            data = {**data, "source": source}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> KubernetesTarget:
        if self.source == "dump":
            if not self.dump_dir:
                raise ValueError("source 'dump' needs dump_dir")
            if self.kubeconfig is not None or self.context is not None:
                raise ValueError("source 'dump' reads files only: remove kubeconfig/context")
        elif self.source == "kubeconfig":
            if self.kubeconfig is None:
                raise ValueError("source 'kubeconfig' needs kubeconfig (a path, {file: ...} or {env: ...})")
            if self.dump_dir is not None:
                raise ValueError("dump_dir is only for source 'dump'")
        elif self.kubeconfig is not None or self.context is not None or self.dump_dir is not None:
            raise ValueError("source 'in_cluster' uses the pod's service account: remove kubeconfig/context/dump_dir")
        overlap = set(self.namespaces.names) & set(self.platform_namespaces)
        if overlap:
            raise ValueError(
                f"namespace {sorted(overlap)[0]!r} is listed both as the tenant's and as a platform namespace"
            )
        return self
