"""Built-in plugins hand the core deferred references to their collectors and checks (imported
on first call, for start-up time): every one must resolve, and a broken one must give an ERROR
result, never a PASS."""

from __future__ import annotations

import sys

import pytest

from controlplane.plugin_types import Deferred, deferred
from controlplane.plugins import build_registry


def test_every_builtin_reference_resolves_to_a_function():
    registry = build_registry()
    refs = [k.collect for k in registry.target_kinds.values()] + [c.func for c in registry.checks.values()]
    deferred_refs = [r for r in refs if isinstance(r, Deferred)]
    assert len(deferred_refs) >= 40  # TLS, S3, Kubernetes, backup: every collector and check
    for ref in deferred_refs:
        func = ref.resolve()
        assert callable(func) and not isinstance(func, Deferred), ref
        assert func.__name__ == ref.name


def test_a_deferred_function_imports_its_module_only_when_called():
    name = "tests.support.deferred_target"
    sys.modules.pop(name, None)
    ref = deferred(name, "double")
    assert name not in sys.modules
    assert ref(21) == 42
    assert name in sys.modules
    assert repr(ref) == f"Deferred({name}.double)"


def test_a_wrong_reference_fails_when_called():
    ref = deferred("tests.support.deferred_target", "no_such_function")
    with pytest.raises(AttributeError, match="no_such_function"):
        ref(1)
