"""The shape of the code, enforced: the core never imports a plugin, a plugin reaches another only
through its public `api` module, and no two modules import each other, directly or round a
longer loop.

The imports are read from the source (an AST walk), not by importing: every import statement
counts, at module level, inside functions, and under `if TYPE_CHECKING:`. An import deferred into
a function to dodge a runtime circle is still a circle in the design, so it is counted too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = {"controlplane": ROOT / "controlplane"} | {
    p.name: p for p in sorted((ROOT / "plugins").iterdir()) if p.name.startswith("hds_") and p.is_dir()
}


def _module_files() -> dict[str, Path]:
    """Every module of the core and of the built-in plugins, by dotted name."""
    found: dict[str, Path] = {}
    for top, directory in PACKAGE_DIRS.items():
        for path in sorted(directory.rglob("*.py")):
            parts = [top, *path.relative_to(directory).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _module_files()


def _resolve(name: str) -> str | None:
    """The longest known module `name` designates (`a.b.C` → `a.b` when C is a class of it)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[str]:
    """The known modules `module` imports, wherever the import statement stands."""
    for target, _name in _imported_names(module, path):
        yield target


def _imported_names(module: str, path: Path) -> Iterator[tuple[str, str]]:
    """(known module, name imported from it or "") for every import statement of `module`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        yield from _statement_names(module, path.name == "__init__.py", node)


def _statement_names(module: str, is_package: bool, node: ast.AST) -> Iterator[tuple[str, str]]:
    """(known module, name imported from it or "") for one statement, if it is an import."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            target = _resolve(alias.name)
            if target is not None:
                yield target, ""
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            target = _resolve(f"{source}.{alias.name}")
            if target is not None:
                yield target, "" if target.endswith(f".{alias.name}") else alias.name


def _graph() -> dict[str, set[str]]:
    return {m: {t for t in _imports(m, p) if t != m} for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walk_sees_the_core_and_every_plugin() -> None:
    """Guards the guard: a walk that found nothing would pass everything."""
    assert "controlplane.cli.main" in MODULES
    assert {"hds_tls", "hds_s3", "hds_kubernetes", "hds_backup", "hds_postgresql"} <= set(PACKAGE_DIRS)
    graph = _graph()
    assert "controlplane.store" in graph["controlplane.evidence.verify"]


def test_the_walk_counts_function_level_imports(tmp_path: Path) -> None:
    """An import inside a function is an edge like any other."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from controlplane.store import lease\n", encoding="utf-8")
    assert list(_imports("controlplane.x", source)) == ["controlplane.store.lease"]
    source.write_text("from hds_s3.target import _check_url, S3Target\nimport hds_s3.api\n", encoding="utf-8")
    assert list(_imported_names("hds_backup.x", source)) == [
        ("hds_s3.target", "_check_url"),
        ("hds_s3.target", "S3Target"),
        ("hds_s3.api", ""),
    ]


def test_the_core_imports_no_plugin() -> None:
    """Plugins depend on the core, never the reverse: a plugin's code reaches the core only through
    the hooks (`controlplane/hookspecs.py`)."""
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == "controlplane"
        for target in targets
        if target.split(".")[0].startswith("hds_")
    )
    assert wrong == []


def _is_demo(module: str) -> bool:
    """Demo set-up and local emulators (`hds_x.demo`, `controlplane.demo`) and what they hold."""
    parts = module.split(".")
    return len(parts) > 1 and parts[1] == "demo"


def _lazy_importers(path: Path) -> dict[int, str]:
    """Line of every import statement inside a function → that function's name."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.setdefault(inner.lineno, node.name)
    return found


def _demo_imports(module: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """(demo module imported, enclosing function or None) for each import of demo code by `module`,
    imports under `if TYPE_CHECKING:` aside (they load nothing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    lazy = _lazy_importers(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in type_only:
            continue
        targets = {target for target, _ in _statement_names(module, path.name == "__init__.py", node)}
        for target in sorted(targets):
            if _is_demo(target):
                yield target, lazy.get(node.lineno)


def test_a_plugin_reaches_another_only_through_its_api_module() -> None:
    """Shared code between plugins is a documented contract (`hds_s3.api`, `hds_postgresql.api`),
    never a private name or an internal module that may change under the other plugin. Demo code
    may start another plugin's local emulators, through that plugin's `demo` package."""
    wrong = []
    for module, path in MODULES.items():
        top = module.split(".")[0]
        if not top.startswith("hds_"):
            continue
        for target, name in _imported_names(module, path):
            other = target.split(".")[0]
            if other == top or not other.startswith("hds_"):
                continue
            public = target == f"{other}.api" or (_is_demo(module) and _is_demo(target))
            if name.startswith("_") or not public:
                wrong.append(f"{module} imports {target}{'.' + name if name else ''}")
    assert wrong == []


def test_production_modules_never_import_demo_code() -> None:
    """Issue 19 item 6: a plugin's production modules read on their own. Demo set-up and local
    emulators (moto, TLS servers, an API server, PostgreSQL) live in each `demo` package; only the
    `hds_demo_setup` hook (in the plugin's `__init__`) and the `hdsctl demo` command load them, and
    only when called."""
    allowed = {"hds_demo_setup", "demo"}  # the plugins' hook, the CLI's `demo` command
    wrong = sorted(
        f"{module} imports {target}" + (f" in {function}()" if function else " at import time")
        for module, path in MODULES.items()
        if not _is_demo(module)
        for target, function in _demo_imports(module, path)
        if function not in allowed or module not in {*PACKAGE_DIRS, "controlplane.cli.demo_cmd"}
    )
    assert wrong == []


def test_the_demo_guard_sees_the_hooks(tmp_path: Path) -> None:
    """Guards the guard: the hook's lazy import is seen, a TYPE_CHECKING import is not."""
    assert ("hds_tls.demo", "hds_demo_setup") in set(_demo_imports("hds_tls", MODULES["hds_tls"]))
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hds_s3.demo import local_fleet\n"
        "from hds_s3.demo.local_endpoint import LocalS3Endpoint\n",
        encoding="utf-8",
    )
    assert list(_demo_imports("hds_s3.collect", source)) == [("hds_s3.demo.local_endpoint", None)]


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []
