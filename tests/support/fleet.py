"""Build fleet files for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def tenant(
    tid: str, activities: list[int] | None = None, targets: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": tid,
        "name": f"Tenant {tid}",
        "activities": activities or [5],
        "contract": {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365},
        "targets": targets or {},
        **extra,
    }


def write_fleet(path: Path, tenants: list[dict[str, Any]], runtime: dict[str, Any] | None = None) -> Path:
    doc: dict[str, Any] = {"version": 1, "tenants": tenants}
    if runtime:
        doc["runtime"] = runtime
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
