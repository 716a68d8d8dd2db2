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
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
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


DEMO_MODULES = {"hds_backup.demo"}
"""Demo set-up that starts the other plugins' local emulators (issue 19 item 6 moves demo code into
demo subpackages); production modules get no such exception."""


def test_a_plugin_reaches_another_only_through_its_api_module() -> None:
    """Shared code between plugins is a documented contract (`hds_s3.api`, `hds_postgresql.api`),
    never a private name or an internal module that may change under the other plugin."""
    wrong = []
    for module, path in MODULES.items():
        top = module.split(".")[0]
        if not top.startswith("hds_"):
            continue
        for target, name in _imported_names(module, path):
            other = target.split(".")[0]
            if other == top or not other.startswith("hds_"):
                continue
            if name.startswith("_") or (target != f"{other}.api" and module not in DEMO_MODULES):
                wrong.append(f"{module} imports {target}{'.' + name if name else ''}")
    assert wrong == []


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []
