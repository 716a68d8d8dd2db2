"""A fleet of three tenants, two of them served by a three-target pool of reliability test
targets (their collector records every call, so a test counts collections)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.reliability import rel_plugin
from tests.support.fleet import tenant

POOL = "pool-paris-1"
SERVED = ("clinique-alpha", "hopital-beta")
UNSERVED = "labo-gamma"
POOL_TARGETS = ("bmc-1", "bmc-2", "bmc-3")


def pool_fleet(path: Path, serves: Any = SERVED, own: tuple[str, ...] = (*SERVED, UNSERVED), **pool: Any) -> Path:
    """Three tenants, those in `own` with one own target each; a pool of three shared targets
    serving `serves`."""
    tenants = [
        tenant(tid, [5, 6], {"rel": [{"name": f"own-{tid}"}]} if tid in own else {}) for tid in (*SERVED, UNSERVED)
    ]
    serves = list(serves) if isinstance(serves, tuple) else serves
    group = {"id": POOL, "serves": serves, "targets": {"rel": [{"name": n} for n in POOL_TARGETS]}, **pool}
    doc = {"version": 1, "runtime": {"workers": 4, "retries": 0}, "tenants": tenants, "platform": [group]}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def collects(who: str) -> list[dict[str, Any]]:
    """The collections the reliability plugin recorded for `who` (a tenant, or a shared group)."""
    return [s for s in rel_plugin.seen if s["where"] == "collect" and s["tenant"] == who]
