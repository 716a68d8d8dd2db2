"""Load hds.yaml: a pydantic model assembled from the plugins' target models, then checks
that need the catalog (parameter overrides) and the whole file (unique ids)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from controlplane.catalog import Catalog
from controlplane.config.models import FleetBase, RuntimeSettings, TenantBase
from controlplane.errors import InputError, Problem
from controlplane.plugin_types import TargetKind, TenantView
from controlplane.traces.staff import StaffDirectory
from controlplane.validation import field_path, problems_from
from controlplane.yamlfile import load_yaml


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    activities: tuple[int, ...]
    contract: Mapping[str, Any]
    parameters: Mapping[str, Mapping[str, Any]]
    targets: Mapping[str, tuple[BaseModel, ...]]
    sites: tuple[str, ...] = ()
    client_principals: tuple[str, ...] = ()

    def view(self) -> TenantView:
        return TenantView(self.id, self.name, self.activities, self.contract)


@dataclass(frozen=True)
class Fleet:
    path: str
    runtime: RuntimeSettings
    tenants: tuple[Tenant, ...]
    digest: str
    staff_directory: StaffDirectory = field(default_factory=StaffDirectory)

    def tenant(self, tenant_id: str) -> Tenant | None:
        return next((t for t in self.tenants if t.id == tenant_id), None)


def fleet_model(kinds: Mapping[str, TargetKind]) -> type[BaseModel]:
    return _fleet_model(tuple(sorted((k, v.model) for k, v in kinds.items())))


@cache
def _fleet_model(kinds: tuple[tuple[str, type[BaseModel]], ...]) -> type[BaseModel]:
    targets_fields: dict[str, Any] = {name: (list[model], Field(default_factory=list)) for name, model in kinds}
    targets = create_model(  # type: ignore[call-overload]
        "Targets", __config__=ConfigDict(extra="forbid", frozen=True), **targets_fields
    )
    tenant = create_model("Tenant", __base__=TenantBase, targets=(targets, Field(default_factory=targets)))
    return create_model(  # type: ignore[call-overload]
        "Fleet", __base__=FleetBase, tenants=(list[tenant], Field(min_length=1))
    )


def _cross_check(data: BaseModel, catalog: Catalog, display: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, tenant in enumerate(data.tenants):  # type: ignore[attr-defined]
        where = f"tenants[{i}]"
        if tenant.id in seen:
            problems.append(
                Problem(display, f"{where}.id", f"duplicate tenant id {tenant.id!r} (also tenants[{seen[tenant.id]}])")
            )
        seen.setdefault(tenant.id, i)
        for control_id, overrides in tenant.parameters.items():
            control = catalog.controls.get(control_id)
            if control is None:
                problems.append(Problem(display, f"{where}.parameters.{control_id}", "unknown control ID"))
                continue
            for key in overrides:
                if key not in control.parameters:
                    known = ", ".join(sorted(control.parameters)) or "none"
                    problems.append(
                        Problem(
                            display, f"{where}.parameters.{control_id}.{key}", f"unknown parameter (known: {known})"
                        )
                    )
        for kind, entries in tenant.targets:
            names: set[str] = set()
            for j, entry in enumerate(entries):
                if entry.name in names:
                    problems.append(
                        Problem(display, f"{where}.targets.{kind}[{j}].name", f"duplicate target name {entry.name!r}")
                    )
                names.add(entry.name)
    return problems


def _explain(problems: list[Problem], kinds: Mapping[str, TargetKind]) -> list[Problem]:
    installed = ", ".join(sorted(kinds)) or "none"
    out = []
    for p in problems:
        parts = p.field.rsplit(".", 1)
        if p.reason == "unknown field" and len(parts) == 2 and parts[0].endswith(".targets"):
            p = Problem(p.file, p.field, f"unknown target kind {parts[1]!r} (installed plugins provide: {installed})")
        out.append(p)
    return out


def load_fleet(path: Path, kinds: Mapping[str, TargetKind], catalog: Catalog, display: str | None = None) -> Fleet:
    """Validate the whole file and report every problem at once (file, field path, reason)."""
    shown = display or str(path)
    raw = load_yaml(path, shown)
    if raw is None:
        raise InputError.single(shown, "", "file is empty")
    model = fleet_model(kinds)
    try:
        data = model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_explain(problems_from(exc, shown), kinds)) from None
    problems = _cross_check(data, catalog, shown)
    if problems:
        raise InputError(problems)
    tenants = tuple(
        Tenant(
            id=t.id,
            name=t.name,
            activities=t.activities,
            contract=t.contract.model_dump(),
            parameters=t.parameters,
            targets={kind: tuple(entries) for kind, entries in t.targets if entries},
            sites=t.sites,
            client_principals=t.client_principals,
        )
        for t in data.tenants  # type: ignore[attr-defined]
    )
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return Fleet(shown, data.runtime, tenants, digest, data.staff_directory)  # type: ignore[attr-defined]


def fleet_json_schema(kinds: Mapping[str, TargetKind]) -> dict[str, Any]:
    schema = fleet_model(kinds).model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "HDS control plane fleet file (hds.yaml)"
    return schema


__all__ = ["Fleet", "Tenant", "field_path", "fleet_json_schema", "load_fleet"]
