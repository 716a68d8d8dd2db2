"""Plugins add `hdsctl` subcommands through the `hds_commands` hook (hds_backup adds `backup`), and
a core command starts without importing any plugin."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.conftest import hdsctl

COMMAND_PLUGIN = """
import click
from controlplane.hookspecs import hookimpl

@click.command("{name}")
def greet():
    \"\"\"Say hello from an outside plugin.\"\"\"
    click.echo("bonjour from {name}")

@hookimpl
def hds_commands():
    return [greet]
"""


def _write_command_plugin(root, name):
    pkg = root / f"hds_{name}_cmd"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(COMMAND_PLUGIN.format(name=name))
    dist = root / f"hds_{name}_cmd-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: hds-{name}-cmd\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[hds.plugins]\n{name}cmd = hds_{name}_cmd\n")
    return root


def test_backup_manifest_comes_from_the_backup_plugin():
    proc = hdsctl("backup", "manifest", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--backup-format" in proc.stdout
    assert "backup " in hdsctl("--help").stdout


def test_a_core_command_imports_no_plugin():
    code = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from controlplane.cli.main import cli\n"
        "r = CliRunner().invoke(cli, ['controls', 'list', '--format', 'json'])\n"
        "print(json.dumps({'code': r.exit_code, 'plugins': sorted(m for m in sys.modules if m.startswith('hds_'))}))\n"
    )
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert out == {"code": 0, "plugins": []}


def test_an_outside_plugin_adds_a_command(tmp_path):
    site = _write_command_plugin(tmp_path, "hello")
    proc = hdsctl("hello", env={"PYTHONPATH": str(site)})
    assert (proc.returncode, proc.stdout) == (0, "bonjour from hello\n"), proc.stderr
    assert "Say hello from an outside plugin." in hdsctl("--help", env={"PYTHONPATH": str(site)}).stdout


def test_a_plugin_may_not_shadow_a_core_command(tmp_path):
    site = _write_command_plugin(tmp_path, "run")
    proc = hdsctl("--help", env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2
    expected = "hdsctl: error: broken plugin installation: plugin 'runcmd': command 'run' is a core command"
    assert proc.stderr.strip() == expected
