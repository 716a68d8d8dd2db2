"""Issue 18, item 8: the store location is said once. Every command after a run used to need
--store (default ./hds-evidence.sqlite, the demo wrote elsewhere). Now: --store, else HDS_STORE,
else the fleet file's `store:` key (relative to that file), else ./hds-evidence.sqlite; and the
demo prints follow-up commands that work as printed from the current folder."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import yaml

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet


def _fleet_with_store(folder: Path, store: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cfg = write_fleet(folder / "hds.yaml", [tenant("alpha", [5])])
    doc = yaml.safe_load(cfg.read_text())
    cfg.write_text(yaml.safe_dump({"store": store, **doc}, sort_keys=False), encoding="utf-8")
    return cfg


def _runs(proc) -> list[dict]:
    """The sweeps a `runs list --format json` shows (attestation and waiver records left out)."""
    assert proc.returncode == 0, proc.stderr
    return [r for r in json.loads(proc.stdout) if r["status"] == "completed"]


def _ran(proc) -> bool:
    """The run stored its results: 0 or 1 (alpha's attested controls have no attestation here)."""
    return proc.returncode in (0, 1) and json.loads(proc.stdout)["status"] == "completed"


def test_the_fleet_file_store_key_is_used_by_every_command_relative_to_the_file(tmp_path: Path):
    cfg = _fleet_with_store(tmp_path / "ops", "evidence/fleet.sqlite")
    (tmp_path / "ops" / "evidence").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = hdsctl("run", "-c", str(cfg), "--format", "json", cwd=elsewhere)
    assert _ran(run), run.stderr
    assert json.loads(run.stdout)["store"] == str(tmp_path / "ops" / "evidence" / "fleet.sqlite")
    assert not (elsewhere / "hds-evidence.sqlite").exists()
    # From the fleet file's folder (./hds.yaml) or anywhere with HDS_CONFIG: same store, no --store.
    (listed,) = _runs(hdsctl("runs", "list", "--format", "json", cwd=tmp_path / "ops"))
    assert listed["run_id"] == json.loads(run.stdout)["run_id"]
    assert _runs(hdsctl("runs", "list", "--format", "json", cwd=elsewhere, env={"HDS_CONFIG": str(cfg)}))
    shown = hdsctl("runs", "show", listed["run_id"], cwd=tmp_path / "ops")
    assert shown.returncode in (0, 1) and listed["run_id"] in shown.stdout and "Traceback" not in shown.stderr


def test_store_option_then_env_then_fleet_file(tmp_path: Path):
    cfg = _fleet_with_store(tmp_path, "from-file.sqlite")
    assert _ran(hdsctl("run", "-c", str(cfg), "--format", "json", cwd=tmp_path))
    assert _ran(hdsctl("run", "-c", str(cfg), "--format", "json", env={"HDS_STORE": str(tmp_path / "env.sqlite")}))
    option = tmp_path / "option.sqlite"
    env = {"HDS_STORE": str(tmp_path / "env.sqlite")}
    assert _ran(hdsctl("run", "-c", str(cfg), "--store", str(option), "--format", "json", env=env))
    for name in ("from-file.sqlite", "env.sqlite", "option.sqlite"):
        assert len(_runs(hdsctl("runs", "list", "--store", str(tmp_path / name), "--format", "json"))) == 1, name


def test_a_store_url_with_a_password_is_refused_in_the_fleet_file(tmp_path: Path):
    cfg = _fleet_with_store(tmp_path, "postgresql://hds:s3cret-pw@db.internal/hds")
    proc = hdsctl("config", "validate", str(cfg))
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"{cfg}: store: ") and "HDS_STORE" in line and "s3cret-pw" not in line
    listing = hdsctl("runs", "list", cwd=tmp_path)
    assert listing.returncode == 2 and "s3cret-pw" not in listing.stderr + listing.stdout
    assert "Traceback" not in listing.stderr


def test_the_demo_prints_follow_up_commands_that_work_from_the_current_folder(tmp_path: Path):
    proc = hdsctl("demo", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    commands = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("hdsctl ")]
    assert commands, proc.stdout
    for line in commands:
        argv = shlex.split(line)
        store = Path(argv[argv.index("--store") + 1])
        assert not store.is_absolute() and (tmp_path / store).is_file(), line
    listing = next(c for c in commands if c.startswith("hdsctl runs list"))
    runs = hdsctl(*shlex.split(listing)[1:], "--format", "json", cwd=tmp_path)
    assert len(_runs(runs)) == 1
    export = next(line for line in proc.stdout.splitlines() if "export HDS_STORE=" in line)
    store = export.split("HDS_STORE=", 1)[1]
    assert len(_runs(hdsctl("runs", "list", "--format", "json", cwd=tmp_path, env={"HDS_STORE": store}))) == 1
