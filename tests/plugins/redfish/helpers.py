"""Run the Redfish controls as the scheduler would: collect once, then each control's check with
its catalog parameters."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from typing import Any

from controlplane.catalog import load_catalog
from controlplane.plugin_types import CheckContext, CollectContext, TenantView
from controlplane.plugins import build_registry
from controlplane.results import Finding, Status
from hds_redfish.collect import collect_redfish
from hds_redfish.snapshot import RedfishSnapshot
from hds_redfish.target import RedfishTarget

TENANT = TenantView("clinique-test", "Clinique de test", (1, 2), {})
CONTROLS = [f"RF-{n:02d}" for n in range(1, 11)]
NOW = "2026-12-01"
"""The clock the firmware-age checks read (HDS_NOW): the mockups' firmware is from autumn 2026."""

_registry = build_registry()
_catalog = load_catalog(_registry.catalog_files)


def env_var(value: str) -> str:
    name = f"HDS_TEST_BMC_{secrets.token_hex(4).upper()}"
    os.environ[name] = value
    return name


def target(urls: Iterable[str], ca_bundle: Any = None, **fields: Any) -> RedfishTarget:
    return RedfishTarget.model_validate(
        {
            "name": "pool",
            "endpoints": list(urls),
            "username": {"env": env_var("hds-audit")},
            "password": {"env": env_var("s3cret-BMC-pass")},
            "ca_bundle": str(ca_bundle) if ca_bundle else None,
            **fields,
        }
    )


def collect(
    t: RedfishTarget, timeout_s: float = 30, max_bytes: int = 8 * 1024 * 1024, now: str | None = NOW
) -> RedfishSnapshot:
    """Collect with the clock at `now` (None: the real clock)."""
    if now is None:
        return collect_redfish(t, CollectContext(TENANT, t.name, timeout_s, max_bytes))
    previous = os.environ.get("HDS_NOW")
    os.environ["HDS_NOW"] = now
    try:
        return collect_redfish(t, CollectContext(TENANT, t.name, timeout_s, max_bytes))
    finally:
        if previous is None:
            os.environ.pop("HDS_NOW")
        else:
            os.environ["HDS_NOW"] = previous


def run_control(control_id: str, snap: RedfishSnapshot, t: RedfishTarget, **params: Any) -> list[Finding]:
    control = _catalog.controls[control_id]
    spec = _registry.checks[control.check or ""]
    ctx = CheckContext(TENANT, t, t.name, control_id, {**control.parameters, **params})
    return list(spec.func(snap, ctx))


def verdicts(snap: RedfishSnapshot, t: RedfishTarget) -> dict[str, set[Status]]:
    return {c: {f.status for f in run_control(c, snap, t)} for c in CONTROLS}
