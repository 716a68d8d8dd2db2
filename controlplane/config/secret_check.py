"""`hdsctl config validate --check-secrets`: resolve every secret reference of a fleet file now,
before a run needs it, and say which cannot be resolved (file, field, reason), never a value.

Why: a missing environment variable or an unmounted Secret file otherwise shows up only during
the run, as thirteen identical errors per tenant; the CronJob runs this first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from controlplane.config.loader import Fleet
from controlplane.errors import Problem
from controlplane.secrets import SecretRef, SecretResolutionError


def secret_refs(value: Any, path: str) -> Iterator[tuple[str, SecretRef]]:
    """Every SecretRef inside a target entry, with its field path."""
    if isinstance(value, SecretRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secret_refs(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from secret_refs(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from secret_refs(item, f"{path}.{key}")


def check_secrets(fleet: Fleet) -> tuple[int, list[Problem]]:
    """How many references were checked, and one problem per reference that does not resolve
    (unset or empty variable, unreadable or empty file). Resolved values are dropped at once."""
    checked = 0
    problems: list[Problem] = []
    owners = [(f"tenants[{i}]", t.targets) for i, t in enumerate(fleet.tenants)]
    owners += [(f"platform[{i}]", g.targets) for i, g in enumerate(fleet.platform)]
    for where, targets in owners:
        for kind, entries in targets.items():
            for j, entry in enumerate(entries):
                for path, ref in secret_refs(entry, f"{where}.targets.{kind}[{j}]"):
                    checked += 1
                    try:
                        empty = not ref.resolve().get_secret_value()
                    except SecretResolutionError as exc:
                        problems.append(Problem(fleet.path, path, str(exc)))
                        continue
                    if empty:
                        problems.append(Problem(fleet.path, path, f"{ref.describe()} is empty"))
    return checked, problems


__all__ = ["check_secrets", "secret_refs"]
