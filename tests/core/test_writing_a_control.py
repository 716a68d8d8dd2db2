"""docs/writing-a-control.md, followed literally: its files are written exactly as the page shows
them, the plugin is installed as its entry point says, and the new control runs. Also: every
built-in check is declared once with `@check`, and the declaration read from the source is the one
the decorator makes."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from controlplane.check_declarations import declared_checks
from controlplane.errors import PluginContractError
from tests.cli.conftest import hdsctl

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "writing-a-control.md"
BLOCK = re.compile(r"^`(?P<path>[\w/.]+)`[^\n]*\n\n```\w+\n(?P<body>.*?)^```", re.M | re.S)
FENCE = re.compile(r"^```(?P<lang>\w+)\n(?P<body>.*?)^```", re.M | re.S)


def _follow_the_page(root: Path) -> Path:
    text = PAGE.read_text(encoding="utf-8")
    files = {m["path"]: m["body"] for m in BLOCK.finditer(text)}
    assert set(files) == {
        "hds_clock/__init__.py",
        "hds_clock/collect.py",
        "hds_clock/checks.py",
        "hds_clock/controls.yaml",
    }
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body, encoding="utf-8")
    blocks = {m["lang"]: m["body"] for m in FENCE.finditer(text)}
    entry_points = tomllib.loads(blocks["toml"])["project"]["entry-points"]["hds.plugins"]
    dist = root / "hds_clock-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hds-clock\nVersion: 1.0\n")
    lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
    (dist / "entry_points.txt").write_text(f"[hds.plugins]\n{lines}")
    fleet = FENCE.findall(text)[-1][1]
    (root / "hds.yaml").write_text(fleet, encoding="utf-8")
    return root


def test_the_worked_example_adds_a_control_that_runs(tmp_path):
    site = _follow_the_page(tmp_path / "site")
    env = {"PYTHONPATH": str(site)}
    plugins = {p["name"]: p for p in json.loads(hdsctl("plugins", "list", "--format", "json", env=env).stdout)}
    assert plugins["clock"]["checks"] == ["clock.offset"]
    proc = hdsctl(
        "run", "-c", str(site / "hds.yaml"), "--store", str(tmp_path / "ev.sqlite"), "--control", "CLK-01",
        "--format", "json", env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [found] = json.loads(proc.stdout)["results"]
    assert (found["control"], found["check"], found["status"]) == ("CLK-01", "clock.offset", "pass")
    assert found["evidence"] == {"offset_ms": 12, "max_offset_ms": 100}


@pytest.mark.parametrize("plugin", ["hds_tls", "hds_s3", "hds_kubernetes", "hds_backup", "hds_postgresql"])
def test_each_declaration_read_from_source_is_the_decorators(plugin):
    specs = declared_checks(plugin)
    assert specs
    for spec in specs:
        declared = spec.func.resolve().hds_check
        assert (declared.id, declared.target_kind, declared.description) == (
            spec.id,
            spec.target_kind,
            spec.description,
        )
        assert spec.id.startswith(f"{spec.target_kind}.")


def test_a_declaration_that_is_not_literal_is_refused(tmp_path, monkeypatch):
    pkg = tmp_path / "hds_bad"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "checks.py").write_text('NAME = "x"\n\n\n@check(NAME, "x")\ndef f(snapshot, ctx):\n    return []\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginContractError, match=r"checks.py:4: @check arguments must be literal strings"):
        declared_checks("hds_bad")
