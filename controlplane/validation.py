"""Turn pydantic validation errors into Problems with readable field paths."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from controlplane.errors import Problem


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """`('tenants', 2, 's3', 0, 'region')` → `tenants[2].s3[0].region`."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union[", "union[")):
            continue  # pydantic's internal validator steps, meaningless to an operator
        else:
            out += f".{part}" if out else part
    return out


def problems_from(exc: ValidationError, file: str, prefix: str = "") -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        problems.append(Problem(file, field_path(err["loc"], prefix), msg))
    return problems
