"""The reliability test plugin, registered through the hook contract like any outside plugin
(in-process with `build_registry(extra_plugins=...)`, or installed for a real `hdsctl` by
`install_plugins`): slow-ish collectors for crash tests, a gate to hold a run in progress, a
check that exhausts memory slowly, and a check that records everything a plugin can reach, to
prove that a tenant's plugin code only ever sees that tenant's credentials."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from controlplane.errors import TransientError
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckContext, CheckSpec, CollectContext, TargetKind
from controlplane.results import Finding, Status
from controlplane.secrets import SecretRef, SecretResolutionError

CATALOG = Path(__file__).with_name("rel_controls.yaml")
SEEN_LOG_ENV = "HDS_REL_SEEN_LOG"
"""A file where collectors and checks append what they could see (JSON lines), when set."""

seen: list[dict[str, Any]] = []
"""The same records, for in-process runs."""
_seen_lock = threading.Lock()
hog_stopped = threading.Event()
"""Set when the memory guard's MemoryError reaches rel.hog's thread."""


class RelTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    delay_ms: float = 0
    """The collector takes this long: a fleet of slow-ish targets."""
    gate: str | None = None
    """The collector waits until this file exists (holds a run in progress, deterministically)."""
    findings: int = 1
    """rel.many returns this many findings (a check's findings are stored together)."""
    hog_cap_mb: int = 1500
    """rel.hog gives up (and passes) past this much: a broken memory guard fails the test, not the machine."""
    token: SecretRef | None = None
    password: SecretRef | None = None


def _reachable(obj: Any, depth: int = 0, memo: set[int] | None = None) -> Iterator[Any]:
    """Everything a plugin can reach from what the core hands it (fields, mappings, sequences)."""
    memo = set() if memo is None else memo
    if id(obj) in memo or depth > 8:
        return
    memo.add(id(obj))
    yield obj
    children: list[Any] = []
    if isinstance(obj, BaseModel):
        children = [getattr(obj, f) for f in type(obj).model_fields]
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        children = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    elif isinstance(obj, Mapping):
        children = [*obj.keys(), *obj.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        children = list(vars(obj).values())
    for child in children:
        yield from _reachable(child, depth + 1, memo)


def _record(where: str, tenant: str, *roots: Any) -> None:
    refs, resolved, strings = [], [], set()
    for obj in _reachable(roots):
        if isinstance(obj, SecretRef):
            refs.append(obj.describe())
            with contextlib.suppress(SecretResolutionError):
                resolved.append(obj.resolve().get_secret_value())
        elif isinstance(obj, str):
            strings.add(obj)
    entry = {
        "where": where,
        "tenant": tenant,
        "refs": sorted(refs),
        "resolved": sorted(resolved),
        "strings": sorted(strings),
    }
    with _seen_lock:
        seen.append(entry)
        log = os.environ.get(SEEN_LOG_ENV)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")


def collect(target: RelTarget, ctx: CollectContext) -> dict[str, Any]:
    _record("collect", ctx.tenant.id, target, ctx)
    if target.delay_ms:
        time.sleep(target.delay_ms / 1000)
    if target.gate:
        deadline = time.monotonic() + ctx.timeout_s
        while not os.path.exists(target.gate):
            if time.monotonic() > deadline:
                raise TransientError(f"gate {target.gate} still closed")
            time.sleep(0.02)
    return {"tenant": ctx.tenant.id, "target": target.name}


def ok(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "answers", snapshot["target"], {"observed": snapshot})]


def fails(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.failed, "does not comply", snapshot["target"], {"observed": snapshot})]


def many(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    n = ctx.target.findings  # type: ignore[attr-defined]
    return [Finding(Status.passed, f"resource {i}", f"{snapshot['target']}/r{i}", {"i": i}) for i in range(n)]


def hog(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    """Allocate 2 MB (touched) every 10 ms: slow exhaustion, as a leak in a plugin would."""
    cap = ctx.target.hog_cap_mb  # type: ignore[attr-defined]
    held: list[bytes] = []
    try:
        while len(held) * 2 < cap:
            held.append(b"\x01" * (2 * 1024 * 1024))
            time.sleep(0.01)
    except MemoryError:
        hog_stopped.set()  # the guard stopped this thread: what it held is released
        raise
    return [Finding(Status.passed, f"survived {len(held) * 2} MB: the memory guard did nothing", "x", {"mb": cap})]


def sees(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    _record("check", ctx.tenant.id, snapshot, ctx)
    return [Finding(Status.passed, "recorded", ctx.target_name, {"tenant": ctx.tenant.id})]


CHECKS = {"rel.ok": ok, "rel.fails": fails, "rel.many": many, "rel.hog": hog, "rel.sees": sees}


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [TargetKind("rel", RelTarget, collect, "reliability test target")]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [CheckSpec(cid, "rel", func) for cid, func in CHECKS.items()]


@hookimpl
def hds_catalog_files() -> list[Path]:
    return [CATALOG]
