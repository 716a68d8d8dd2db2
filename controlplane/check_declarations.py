"""A check declared once, where it is defined: `@check("s3.versioning", "s3", "summary")` above its
function. The same convention in every plugin, built-in or outside:

    # my_plugin/checks.py
    from controlplane.check_declarations import check

    @check("ntp.offset", "ntp", "clock offset within the limit")
    def offset(snapshot, ctx): ...

    # my_plugin/__init__.py
    @hookimpl
    def hds_checks():
        return declared_checks(__name__)

`declared_checks` finds the declarations by reading the source of the package's `checks*.py`
modules (an AST scan), not by importing them: every `hdsctl` command builds the registry, and
importing every plugin's checks is most of its start-up (see `plugin_types.Deferred`). Each check
is then imported on its first call. A declaration's arguments must therefore be literals.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from controlplane.errors import PluginContractError
from controlplane.plugin_types import CheckSpec, deferred

F = TypeVar("F", bound=Callable[..., object])
_PARAMETERS = ("check_id", "target_kind", "description")


def check(check_id: str, target_kind: str, description: str = "") -> Callable[[F], F]:
    """Declare the decorated function `(snapshot, ctx) -> findings` as check `check_id` (referenced
    by catalog controls' `check` field) reading snapshots of `target_kind`. The function is returned
    unchanged; its declaration is kept in `hds_check` for tests."""

    def declare(func: F) -> F:
        func.hds_check = CheckSpec(check_id, target_kind, func, description)  # type: ignore[attr-defined]
        return func

    return declare


DECLARATION = re.compile(r"^@check\((?P<args>.*?)\)\n(?:@.*\n)*def (?P<name>\w+)\(", re.M | re.S)
"""A `@check(...)` decorator line (its arguments may span lines) and the function it declares.
Read as text, then only the arguments parsed: parsing whole modules would cost start-up time."""


def _arguments(args: str, where: str) -> dict[str, str]:
    try:
        call = ast.parse(f"check({args})", where, mode="eval").body
        assert isinstance(call, ast.Call)
        found = dict(zip(_PARAMETERS, (ast.literal_eval(a) for a in call.args), strict=False))
        found |= {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except (SyntaxError, ValueError):
        raise PluginContractError(f"{where}: @check arguments must be literal strings") from None
    if set(found) - set(_PARAMETERS) or not {"check_id", "target_kind"} <= set(found):
        raise PluginContractError(f"{where}: @check takes check_id, target_kind and an optional description")
    if not all(isinstance(v, str) for v in found.values()):
        raise PluginContractError(f"{where}: @check arguments must be literal strings")
    return found


def declared_checks(package: str) -> list[CheckSpec]:
    """Every check declared with `@check` in the `checks*.py` modules of `package` (a plugin's
    `__name__`), in file then line order, each imported on its first call. The decorator is
    written `@check(...)` at the start of a line, directly above its `def` (or other decorators)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise PluginContractError(f"plugin package {package!r} not found")
    found: list[CheckSpec] = []
    for path in sorted(Path(spec.origin).parent.glob("checks*.py")):
        text = path.read_text(encoding="utf-8")
        for match in DECLARATION.finditer(text):
            where = f"{path.name}:{text.count(chr(10), 0, match.start()) + 1}"
            args = _arguments(match["args"], where)
            func = deferred(f"{package}.{path.stem}", match["name"])
            found.append(CheckSpec(args["check_id"], args["target_kind"], func, args.get("description", "")))
    return found
