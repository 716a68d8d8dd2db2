"""A plain wheel ships the catalog, the features and the built-in plugins under distinct
names, and installs no bare top-level `plugins` or `controls` package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    [built] = out.glob("hds_controlplane-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_wheel_ships_catalog_and_features_inside_controlplane(wheel_names):
    assert "controlplane/catalog_data/activities.yaml" in wheel_names
    assert "controlplane/catalog_data/iso27001.yaml" in wheel_names
    assert "controlplane/catalog_data/tls.yaml" in wheel_names
    assert "controlplane/features/__init__.py" in wheel_names
    shipped = {Path(n).name for n in wheel_names if n.startswith("controlplane/catalog_data/")}
    assert {p.name for p in (ROOT / "controls").glob("*.yaml")} <= shipped
    features = {Path(n).name for n in wheel_names if n.startswith("controlplane/features/")}
    assert {p.name for p in (ROOT / "features").glob("*.feature")} <= features


def test_wheel_has_builtin_plugins_under_distinct_names(wheel_names):
    tops = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith(".dist-info")}
    assert "plugins" not in tops and "controls" not in tops and "features" not in tops
    assert {"controlplane", "hds_tls"} <= tops
    assert all(t == "controlplane" or t.startswith("hds_") for t in tops)
    plugin_dirs = {p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()}
    assert plugin_dirs <= tops
    entry_points = next(n for n in wheel_names if n.endswith("entry_points.txt"))
    assert entry_points


def test_every_plugin_module_is_packaged(wheel_names):
    for py in (ROOT / "plugins").glob("hds_*/**/*.py"):
        rel = py.relative_to(ROOT / "plugins").as_posix()
        assert rel in wheel_names, rel
    for py in (ROOT / "controlplane").rglob("*.py"):
        rel = py.relative_to(ROOT).as_posix()
        assert rel in wheel_names, rel


def test_every_builtin_plugin_is_an_entry_point(wheel, wheel_names):
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(next(n for n in wheel_names if n.endswith("entry_points.txt"))).decode()
    for name in ("tls", "s3", "kubernetes", "backup", "postgresql", "redfish"):
        assert f"{name} = hds_{name}" in text


def test_wheel_ships_the_redfish_demo_and_its_mockup(wheel_names):
    """`hdsctl demo` serves the shipped BMC mockup from the installed package."""
    for py in (ROOT / "plugins" / "hds_redfish" / "demo").glob("*.py"):
        assert f"hds_redfish/demo/{py.name}" in wheel_names, py
    mockup = ROOT / "plugins" / "hds_redfish" / "demo" / "mockups"
    for path in mockup.rglob("index.json"):
        assert f"hds_redfish/demo/mockups/{path.relative_to(mockup).as_posix()}" in wheel_names, path


def test_a_plain_install_runs_the_plugin_command_outside_the_repository(wheel, tmp_path):
    """`hdsctl backup manifest` comes from the installed hds_backup through the `hds_commands`
    hook, not from the source tree."""
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    code = (
        "import sys, hds_backup\n"
        f"assert hds_backup.__file__.startswith({str(site)!r}), hds_backup.__file__\n"
        "from controlplane.cli.main import main\n"
        "sys.argv = ['hdsctl', 'backup', 'manifest', '--help']\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "--backup-format" in run.stdout
