"""The objects plugins hand to the core through the hooks in `hookspecs`.

Collection and evaluation are separate on purpose: a target kind's collector fetches one
target's resources once per run into a snapshot, and any number of checks read that snapshot,
so API calls grow with resources, not with controls × resources.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB
from controlplane.results import Finding


@dataclass(frozen=True, slots=True)
class TenantView:
    """What a plugin may know of a tenant: identity, contracted activities, contract figures.
    Never another tenant's data, never credentials other than its own targets'."""

    id: str
    name: str
    activities: tuple[int, ...]
    contract: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CollectContext:
    tenant: TenantView
    target_name: str
    timeout_s: float
    """Per-attempt budget; collectors pass it to their clients' connect/read timeouts."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_MB * 1024 * 1024
    """Largest answer (or dump file) a collector may read whole (`runtime.max_response_mb`); past
    it the read stops and the collector reports an error (see `controlplane.bounded_read`)."""


@dataclass(frozen=True, slots=True)
class CheckContext:
    tenant: TenantView
    target: BaseModel
    target_name: str
    control_id: str
    params: Mapping[str, Any]
    """The control's catalog parameters, overridden by the tenant's own where it sets them."""


Collector = Callable[[Any, CollectContext], Any]
CheckFunction = Callable[[Any, CheckContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class TargetKind:
    """A kind of target a plugin can collect (e.g. `tls`), with its config model.

    `model` is a pydantic model for one entry of `tenants[].targets.<name>` in hds.yaml; it
    must have a `name` field. `collect(target, ctx)` returns the snapshot the checks read.
    """

    name: str
    model: type[BaseModel]
    collect: Collector
    description: str = ""
    plugin: str = field(default="", compare=False)
    endpoint: Callable[[Any], str | None] | None = field(default=None, compare=False)
    """`endpoint(target)`: the host:port its collection sends most requests to, or None. Units
    of one endpoint share the workers fairly with other endpoints' (`controlplane.dispatch`)."""


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A check: a function `(snapshot, ctx) -> findings` for one target kind.

    Catalog controls reference checks by `id` (e.g. `tls.protocol_version`).
    """

    id: str
    target_kind: str
    func: CheckFunction
    description: str = ""
    plugin: str = field(default="", compare=False)


class Deferred:
    """A plugin function imported on its first call, for `TargetKind.collect` and
    `CheckSpec.func`. Why: every `hdsctl` command builds the registry, and importing each
    plugin's collectors and checks (SDK glue, certificate parsing, archive handling) is most
    of its start-up; a run then imports only the plugins its fleet uses. A wrong reference
    fails on the call, which the scheduler reports as an ERROR result, never a PASS; the
    plugin's tests should `resolve()` every reference."""

    __slots__ = ("_func", "module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._func: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        func = self._func
        if func is None:  # two threads may both import: the import system makes that safe
            func = self._func = getattr(importlib.import_module(self.module), self.name)
        return func

    def __call__(self, *args: Any) -> Any:
        return (self._func or self.resolve())(*args)

    def __repr__(self) -> str:
        return f"Deferred({self.module}.{self.name})"


def deferred(module: str, name: str) -> Deferred:
    """`module.name`, imported when first called (see `Deferred`)."""
    return Deferred(module, name)
