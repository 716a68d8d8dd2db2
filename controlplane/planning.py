"""Turn the catalog and the fleet into work: tenant × target × applicable controls.

A control applies to a tenant when its HDS activities intersect the tenant's contracted ones
(and any `--activity` filter). Each (tenant, target) becomes one work unit: collected once,
evaluated by every applicable control of that target's kind. A shared target (`platform:` in
the fleet file) is one work unit for all the planned tenants it serves: collected once, each
tenant's controls evaluated on that one snapshot, each result stored under its own tenant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from controlplane.catalog import Catalog, Control, ControlKind
from controlplane.config import Fleet, SharedGroup, Tenant
from controlplane.errors import InputError
from controlplane.plugin_types import CheckSpec, TargetKind
from controlplane.plugins import PluginRegistry


@dataclass(frozen=True, slots=True)
class PlannedControl:
    control: Control
    activities: tuple[int, ...]
    """The control's HDS activities that this tenant contracted: what the result is evidence for."""
    params: Mapping[str, Any]
    check: CheckSpec | None


@dataclass(frozen=True, slots=True)
class WorkUnit:
    tenant: Tenant
    """Whom the target is collected for: the tenant, or for a shared target the group itself
    (`SharedGroup.collector`), so a collector never sees one served tenant on behalf of another."""
    kind: TargetKind
    target: BaseModel
    controls: tuple[PlannedControl, ...]
    platform: str = ""
    """The shared group's id, for a shared target; "" for a tenant's own target."""
    served: tuple[Tenant, ...] = ()
    """Shared target only: the tenant each entry of `controls` is evaluated and stored for."""

    @property
    def target_name(self) -> str:
        """A shared target's results name it `group/target`: a tenant's own target names cannot
        hold a slash, so the two never collide in a tenant's chain, and the group shows."""
        name = str(self.target.name)  # type: ignore[attr-defined]
        return f"{self.platform}/{name}" if self.platform else name

    def tenant_of(self, index: int) -> Tenant:
        """The tenant `controls[index]` is evaluated and stored for."""
        return self.served[index] if self.served else self.tenant


@dataclass(frozen=True, slots=True)
class Unrunnable:
    """A control that applies but cannot run: no plugin provides its check, or the tenant
    declares no target of the check's kind. Reported, never silently dropped."""

    tenant: Tenant
    planned: PlannedControl
    reason: str
    is_error: bool


@dataclass(frozen=True, slots=True)
class AttestedItem:
    """An attested (or recorded) control that applies to a tenant: judged from the attestation
    register (`controlplane.governance.attested`) or from its records in the store (recorded
    controls, e.g. REV-01: `controlplane.reversibility.control`), not by a plugin."""

    tenant: Tenant
    planned: PlannedControl


@dataclass(frozen=True)
class Plan:
    units: tuple[WorkUnit, ...]
    unrunnable: tuple[Unrunnable, ...]
    tenants: tuple[str, ...]
    attested: tuple[AttestedItem, ...] = ()

    @property
    def result_count(self) -> int:
        return sum(len(u.controls) for u in self.units) + len(self.unrunnable) + len(self.attested)


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`I/N`, 0-based, as Kubernetes Indexed Jobs number their pods."""
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise InputError.single("--shard", "", f"{text!r} is not of the form I/N") from None
        if n < 1 or not 0 <= i < n:
            raise InputError.single("--shard", "", f"{text!r}: need 0 <= I < N")
        return cls(i, n)

    def owns(self, tenant_id: str) -> bool:
        """Stable hash of the id: the same tenant lands in the same shard whatever the file
        order, and every tenant lands in exactly one shard."""
        digest = hashlib.sha256(tenant_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index


def select_tenants(fleet: Fleet, tenant_ids: Sequence[str] = (), shard: Shard | None = None) -> list[Tenant]:
    for tid in tenant_ids:
        if fleet.tenant(tid) is None:
            raise InputError.single("--tenant", "", f"unknown tenant {tid!r} in {fleet.path}")
    chosen = [t for t in fleet.tenants if not tenant_ids or t.id in tenant_ids]
    return [t for t in chosen if shard is None or shard.owns(t.id)]


def select_controls(catalog: Catalog, control_ids: Sequence[str] = (), activities: Sequence[int] = ()) -> list[Control]:
    for cid in control_ids:
        if cid not in catalog.controls:
            raise InputError.single("--control", "", f"unknown control {cid!r}")
    for act in activities:
        if act not in catalog.activities:
            raise InputError.single("--activity", "", f"unknown HDS activity {act} (1 to 6)")
    controls = [
        c
        for c in catalog.controls.values()
        if (not control_ids or c.id in control_ids) and (not activities or set(c.hds_activities) & set(activities))
    ]
    return controls


def build_plan(
    tenants: Iterable[Tenant],
    controls: Sequence[Control],
    registry: PluginRegistry,
    activity_filter: Sequence[int] = (),
    platform: Sequence[SharedGroup] = (),
) -> Plan:
    """`platform`: the fleet's shared groups; each of their targets is planned for the given
    tenants it serves only (so `--tenant` and `--shard` narrow them too)."""
    units: list[WorkUnit] = []
    unrunnable: list[Unrunnable] = []
    attested: list[AttestedItem] = []
    tenant_ids: list[str] = []
    shared: dict[tuple[str, tuple[int, ...]], PlannedControl] = {}
    # (group index, kind, target index) -> [(tenant, planned control)], in tenant order
    pooled: dict[tuple[int, str, int], list[tuple[Tenant, PlannedControl]]] = {}
    for tenant in tenants:
        tenant_ids.append(tenant.id)
        groups = [(i, g) for i, g in enumerate(platform) if g.serves_tenant(tenant.id)]
        shared_kinds = {kind for _i, g in groups for kind in g.targets}
        wanted = set(tenant.activities) & set(activity_filter) if activity_filter else set(tenant.activities)
        by_kind: dict[str, list[PlannedControl]] = {}
        for control in controls:
            acts = tuple(a for a in control.hds_activities if a in wanted)
            if not acts:
                continue
            check = registry.checks.get(control.check or "")
            overrides = tenant.parameters.get(control.id)
            if overrides:
                planned = PlannedControl(control, acts, MappingProxyType({**control.parameters, **overrides}), check)
            else:
                # Tenants without overrides share one read-only PlannedControl per (control,
                # activities): at 10,000 tenants that is the difference of a few hundred thousand
                # parameter dicts. Read-only, so no check can change another tenant's parameters.
                planned = shared.get((control.id, acts)) or shared.setdefault(
                    (control.id, acts), PlannedControl(control, acts, MappingProxyType(dict(control.parameters)), check)
                )
            if control.kind in (ControlKind.attested, ControlKind.recorded):
                attested.append(AttestedItem(tenant, planned))
            elif check is None:
                reason = f"no installed plugin provides check {control.check!r}"
                unrunnable.append(Unrunnable(tenant, planned, reason, is_error=True))
            elif not tenant.targets.get(check.target_kind) and check.target_kind not in shared_kinds:
                reason = f"no {check.target_kind!r} target declared for this tenant"
                unrunnable.append(Unrunnable(tenant, planned, reason, is_error=False))
            else:
                by_kind.setdefault(check.target_kind, []).append(planned)
        for kind_name, planned_controls in by_kind.items():
            kind = registry.target_kinds[kind_name]
            for target in tenant.targets.get(kind_name, ()):
                units.append(WorkUnit(tenant, kind, target, tuple(planned_controls)))
        for gi, group in groups:
            for kind_name, entries in group.targets.items():
                on_group = [_with_group_parameters(p, group, tenant) for p in by_kind.get(kind_name, ())]
                for ti in range(len(entries)):
                    pooled.setdefault((gi, kind_name, ti), []).extend((tenant, p) for p in on_group)
    for (gi, kind_name, ti), pairs in pooled.items():
        if pairs:
            group = platform[gi]
            units.append(
                WorkUnit(
                    group.collector(),
                    registry.target_kinds[kind_name],
                    group.targets[kind_name][ti],
                    tuple(p for _t, p in pairs),
                    group.id,
                    tuple(t for t, _p in pairs),
                )
            )
    return Plan(tuple(units), tuple(unrunnable), tuple(tenant_ids), tuple(attested))


def _with_group_parameters(planned: PlannedControl, group: SharedGroup, tenant: Tenant) -> PlannedControl:
    """A control on a shared target: the catalog's parameters, then the group's, then the
    tenant's own (the tenant's requirement is what its evidence is judged against)."""
    overrides = group.parameters.get(planned.control.id)
    if not overrides:
        return planned
    params = {**planned.control.parameters, **overrides, **tenant.parameters.get(planned.control.id, {})}
    return PlannedControl(planned.control, planned.activities, MappingProxyType(params), planned.check)
