"""A test plugin, registered through the hook contract like any outside plugin, whose
collector and checks misbehave on demand: raise, hang, return nonsense, fail transiently."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from controlplane.errors import TransientError
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckContext, CheckSpec, CollectContext, TargetKind
from controlplane.results import Finding, Status
from controlplane.secrets import SecretRef

CATALOG = Path(__file__).with_name("fault_controls.yaml")

release = threading.Event()
"""Set at teardown so abandoned 'hanging' threads end."""

attempts: Counter[str] = Counter()
collections: Counter[str] = Counter()


class FaultTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    collect: str = "ok"  # ok | raise | hang | transient:N | leak
    secret_in_error: str | None = None
    token: SecretRef | None = None


def collect(target: FaultTarget, ctx: CollectContext) -> dict[str, Any]:
    key = f"{ctx.tenant.id}/{target.name}"
    attempts[key] += 1
    mode = target.collect
    if mode == "leak" and target.token is not None:
        # A careless client library echoing the credential in its error message.
        raise RuntimeError(f"auth failed for token={target.token.resolve().get_secret_value()}")
    if mode == "raise":
        raise RuntimeError(f"boom {target.secret_in_error or ''}".strip())
    if mode == "hang":
        release.wait()
        return {"late": True}
    if mode.startswith("transient:") and attempts[key] <= int(mode.split(":")[1]):
        raise TransientError("throttled (SlowDown)")
    collections[key] += 1
    snapshot = {"tenant": ctx.tenant.id, "target": target.name}
    if target.token is not None:
        snapshot["careless_echo"] = target.token.resolve().get_secret_value()
    return snapshot


def ok(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "fine", snapshot["target"], {"observed": snapshot})]


def fails(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.failed, "not fine", snapshot["target"], {"observed": snapshot})]


def raises(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    raise ValueError("check exploded")


def hangs(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    release.wait()
    return [Finding(Status.passed, "too late", "x", {"late": True})]


def malformed(snapshot: dict[str, Any], ctx: CheckContext) -> Any:
    return ["pass"]


def not_iterable(snapshot: dict[str, Any], ctx: CheckContext) -> Any:
    return 42


def pass_without_evidence(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "trust me", "x")]


def empty(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return []


def bad_status(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding("pass", "string status", "x", {"a": 1})]  # type: ignore[arg-type]


def unserialisable(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "odd evidence", "x", {"obj": object()})]


def echo_params(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    return [Finding(Status.passed, "params", "x", {"params": dict(ctx.params), "tenant": ctx.tenant.id})]


CHECKS = {
    "fault.ok": ok,
    "fault.fails": fails,
    "fault.raises": raises,
    "fault.hangs": hangs,
    "fault.malformed": malformed,
    "fault.not_iterable": not_iterable,
    "fault.pass_without_evidence": pass_without_evidence,
    "fault.empty": empty,
    "fault.bad_status": bad_status,
    "fault.unserialisable": unserialisable,
    "fault.echo_params": echo_params,
}


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [TargetKind("faulty", FaultTarget, collect, "test target")]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [CheckSpec(cid, "faulty", func) for cid, func in CHECKS.items()]


@hookimpl
def hds_catalog_files() -> list[Path]:
    return [CATALOG]
