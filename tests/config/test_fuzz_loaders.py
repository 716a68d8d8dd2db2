"""Fuzzing the fleet and catalog loaders: whatever the bytes, the only failure is a clean
InputError (one line, file and field), never another exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hds_tls
from controlplane.catalog import builtin_catalog_dir, load_catalog
from controlplane.config import load_fleet
from controlplane.errors import InputError
from controlplane.plugins import build_registry

REGISTRY = build_registry(load_entrypoints=False, extra_plugins=[("tls", hds_tls)])
CATALOG = load_catalog(REGISTRY.catalog_files)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25,
)
fleet_like = st.fixed_dictionaries(
    {
        "version": st.one_of(st.just(1), scalars),
        "tenants": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.text(max_size=12),
                    "name": scalars,
                    "activities": st.lists(st.integers(-2, 9)),
                    "contract": documents,
                    "targets": st.dictionaries(st.sampled_from(["tls", "x"]), documents),
                }
            ),
            max_size=3,
        ),
    }
)


def _load_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hds.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_fleet(path, REGISTRY.target_kinds, CATALOG)
        except InputError as exc:
            line = exc.one_line()
            assert "\n" not in line.strip() or line.startswith(str(path))
            assert line.startswith(str(path))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_fleet_loader(text):
    _load_text(text)


@settings(max_examples=150, deadline=None)
@given(fleet_like)
def test_fleet_shaped_documents_never_crash_the_loader(doc):
    _load_text(yaml.safe_dump(doc))


@settings(max_examples=60, deadline=None)
@given(st.lists(documents, max_size=3))
def test_arbitrary_control_files_never_crash_the_catalog_loader(controls):
    with tempfile.TemporaryDirectory() as d:
        base = Path(d) / "controls"
        shutil.copytree(builtin_catalog_dir(), base, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        (base / "zz-fuzz.yaml").write_text(yaml.safe_dump({"controls": controls}), encoding="utf-8")
        try:
            load_catalog(base_dir=base)
        except InputError as exc:
            assert exc.problems[0].file.endswith("zz-fuzz.yaml")
