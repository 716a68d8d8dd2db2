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
from controlplane.config.models import FleetBase, RuntimeSettings, SharedGroupBase, TenantBase
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
class SharedGroup:
    """A `platform:` entry with its selector resolved: the ids of the tenants it serves, in
    fleet-file order. Its targets' credentials are the platform's, never a tenant's."""

    id: str
    serves: tuple[str, ...]
    targets: Mapping[str, tuple[BaseModel, ...]]
    parameters: Mapping[str, Mapping[str, Any]]
    _served: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_served", frozenset(self.serves))  # `all: true` over 10,000 tenants

    def serves_tenant(self, tenant_id: str) -> bool:
        return tenant_id in self._served

    def collector(self) -> Tenant:
        """Who a shared target is collected for: the group itself, with no contract and no targets,
        so a collector that labels its snapshot with `ctx.tenant.id` labels it with the group,
        never with one of the tenants whose chains will hold the observation."""
        return Tenant(self.id, f"shared platform {self.id}", (), {}, {}, {})


@dataclass(frozen=True)
class Fleet:
    path: str
    runtime: RuntimeSettings
    tenants: tuple[Tenant, ...]
    digest: str
    platform: tuple[SharedGroup, ...] = ()
    staff_directory: StaffDirectory = field(default_factory=StaffDirectory)

    def tenant(self, tenant_id: str) -> Tenant | None:
        return next((t for t in self.tenants if t.id == tenant_id), None)

    def serving(self, tenant_id: str) -> tuple[SharedGroup, ...]:
        """The shared groups that serve this tenant."""
        return tuple(g for g in self.platform if g.serves_tenant(tenant_id))


def fleet_model(kinds: Mapping[str, TargetKind]) -> type[BaseModel]:
    return _fleet_model(tuple(sorted((k, v.model) for k, v in kinds.items())))


@cache
def _fleet_model(kinds: tuple[tuple[str, type[BaseModel]], ...]) -> type[BaseModel]:
    targets_fields: dict[str, Any] = {name: (list[model], Field(default_factory=list)) for name, model in kinds}
    targets = create_model(  # type: ignore[call-overload]
        "Targets", __config__=ConfigDict(extra="forbid", frozen=True), **targets_fields
    )
    tenant = create_model("Tenant", __base__=TenantBase, targets=(targets, Field(default_factory=targets)))
    group = create_model("SharedGroup", __base__=SharedGroupBase, targets=(targets, ...))
    return create_model(  # type: ignore[call-overload]
        "Fleet",
        __base__=FleetBase,
        tenants=(list[tenant], Field(min_length=1)),
        platform=(
            list[group],
            Field(
                default_factory=list,
                description="Shared targets (server pools, a shared cluster or S3 account) and the tenants each "
                "group serves: collected once per run, stored in each served tenant's chain",
            ),
        ),
    )


def _check_parameters(
    parameters: Mapping[str, Mapping[str, Any]], catalog: Catalog, display: str, where: str
) -> list[Problem]:
    problems: list[Problem] = []
    for control_id, overrides in parameters.items():
        control = catalog.controls.get(control_id)
        if control is None:
            problems.append(Problem(display, f"{where}.parameters.{control_id}", "unknown control ID"))
            continue
        for key in overrides:
            if key not in control.parameters:
                known = ", ".join(sorted(control.parameters)) or "none"
                problems.append(
                    Problem(display, f"{where}.parameters.{control_id}.{key}", f"unknown parameter (known: {known})")
                )
    return problems


def _check_target_names(targets: BaseModel, display: str, where: str) -> list[Problem]:
    problems: list[Problem] = []
    for kind, entries in targets:
        names: set[str] = set()
        for j, entry in enumerate(entries):
            if entry.name in names:
                problems.append(
                    Problem(display, f"{where}.targets.{kind}[{j}].name", f"duplicate target name {entry.name!r}")
                )
            names.add(entry.name)
    return problems


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
        problems += _check_parameters(tenant.parameters, catalog, display, where)
        problems += _check_target_names(tenant.targets, display, where)
    return problems + _check_platform(data, catalog, display)


def _check_platform(data: BaseModel, catalog: Catalog, display: str) -> list[Problem]:
    """Shared groups: unique ids distinct from tenant ids, every selected tenant or site known,
    at least one tenant served and one target declared."""
    problems: list[Problem] = []
    tenant_ids = {t.id for t in data.tenants}  # type: ignore[attr-defined]
    sites = {s for t in data.tenants for s in t.sites}  # type: ignore[attr-defined]
    seen: dict[str, int] = {}
    for i, group in enumerate(data.platform):  # type: ignore[attr-defined]
        where = f"platform[{i}]"
        if group.id in seen:
            also = f"also platform[{seen[group.id]}]"
            problems.append(Problem(display, f"{where}.id", f"duplicate shared group id {group.id!r} ({also})"))
        elif group.id in tenant_ids:
            problems.append(
                Problem(display, f"{where}.id", f"{group.id!r} is a tenant id: give the shared group its own id")
            )
        seen.setdefault(group.id, i)
        for j, tid in enumerate(group.serves.tenants):
            if tid not in tenant_ids:
                problems.append(Problem(display, f"{where}.serves.tenants[{j}]", f"unknown tenant {tid!r}"))
        for j, site in enumerate(group.serves.sites):
            if site not in sites:
                problems.append(Problem(display, f"{where}.serves.sites[{j}]", f"no tenant lists site {site!r}"))
        if not any(entries for _kind, entries in group.targets):
            problems.append(Problem(display, f"{where}.targets", "declare at least one shared target"))
        problems += _check_parameters(group.parameters, catalog, display, where)
        problems += _check_target_names(group.targets, display, where)
    return problems


def _shared_group(group: Any, tenants: tuple[Tenant, ...]) -> SharedGroup:
    selector = group.serves
    served = tuple(
        t.id for t in tenants if selector.all or t.id in selector.tenants or set(t.sites) & set(selector.sites)
    )
    targets = {kind: tuple(entries) for kind, entries in group.targets if entries}
    return SharedGroup(group.id, served, targets, group.parameters)


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
    platform = tuple(_shared_group(g, tenants) for g in data.platform)  # type: ignore[attr-defined]
    dumped = data.model_dump(mode="json")
    if not dumped["platform"]:
        del dumped["platform"]  # a file without shared groups keeps the digest it had before they existed
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return Fleet(shown, data.runtime, tenants, digest, platform, data.staff_directory)  # type: ignore[attr-defined]


def fleet_json_schema(kinds: Mapping[str, TargetKind]) -> dict[str, Any]:
    schema = fleet_model(kinds).model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "HDS control plane fleet file (hds.yaml)"
    return schema


__all__ = ["Fleet", "SharedGroup", "Tenant", "field_path", "fleet_json_schema", "load_fleet"]
