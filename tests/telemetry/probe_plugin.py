"""A test plugin registered through the hook contract (``build_registry(extra_plugins=...)``)
whose target entries say what happens: per-resource verdicts, a collector that raises (with a
resolved secret in its message), hangs or keeps failing transiently, a check that hangs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from controlplane.errors import TransientError
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckContext, CheckSpec, CollectContext, TargetKind
from controlplane.results import Finding, Status
from controlplane.secrets import SecretRef

CATALOG = Path(__file__).with_name("probe_controls.yaml")
TOKEN_ENV = "HDS_TEST_PROBE_TOKEN"

release = threading.Event()
"""Hanging collectors and checks wait on this; tests set it at teardown so the threads end."""


class ProbeTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    collect: Literal["ok", "raise", "hang", "transient"] = "ok"
    verdicts: dict[str, Literal["pass", "fail", "error", "not_applicable"]] = {}
    hang_check: bool = False
    token: SecretRef | None = None


def collect(target: ProbeTarget, ctx: CollectContext) -> dict[str, Any]:
    if target.collect == "raise":
        token = target.token.resolve().get_secret_value() if target.token else "none"
        raise PermissionError(f"access denied for token {token}")
    if target.collect == "hang":
        release.wait(60)
    if target.collect == "transient":
        raise TransientError("throttled")
    return {"verdicts": dict(target.verdicts), "hang_check": target.hang_check}


def verdicts(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if not snapshot["verdicts"]:
        return [Finding(Status.passed, "nothing to judge", ctx.target_name, {"verdicts": {}})]
    return [
        Finding(Status(status), f"{resource} is {status}", resource, {"observed": status})
        for resource, status in sorted(snapshot["verdicts"].items())
    ]


def maybe_hangs(snapshot: dict[str, Any], ctx: CheckContext) -> list[Finding]:
    if snapshot["hang_check"]:
        release.wait(60)
    return [Finding(Status.passed, "answered", ctx.target_name, {"answered": True})]


@hookimpl
def hds_target_kinds() -> list[TargetKind]:
    return [TargetKind("probe", ProbeTarget, collect, "test probe")]


@hookimpl
def hds_checks() -> list[CheckSpec]:
    return [CheckSpec("probe.verdicts", "probe", verdicts), CheckSpec("probe.maybe_hangs", "probe", maybe_hangs)]


@hookimpl
def hds_catalog_files() -> list[Path]:
    return [CATALOG]
