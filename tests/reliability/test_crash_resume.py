"""Crash safety: `hdsctl run` killed with SIGKILL at random moments of a sweep (chosen by counting
the results its store holds, never by sleeping), then `hdsctl run --resume RUN_ID`, again and
again: in the end every planned check is stored exactly once, whole, and the chain verifies.
Between kills the run shows as interrupted, never as running or silently partial.

The seeds are fixed so a failure can be replayed; HDS_CRASH_SEED picks others."""

from __future__ import annotations

import json
import os
import signal

import pytest

from tests.reliability.harness import (
    CONTROL_ARGS,
    StoreWatch,
    hdsctl,
    held_fleet,
    kill_and_resume,
    run_and_kill,
    start_hdsctl,
    wait_for,
)
from tests.support.outside_plugin import write_outside_plugin

SEEDS = [int(s) for s in os.environ.get("HDS_CRASH_SEED", "11,23,37").split(",")]
KILLS_PER_RUN = 7  # x 3 seeds: 21 random kill points on SQLite, plus 3 on PostgreSQL


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_runs_resume_to_every_planned_check_exactly_once_sqlite(tmp_path, env, seed):
    summary = kill_and_resume(tmp_path, env, str(tmp_path / "evidence.sqlite"), seed, KILLS_PER_RUN)
    assert sum(not k.exited_by_itself for k in summary.kills) == KILLS_PER_RUN


def test_killed_runs_resume_on_postgresql(tmp_path, env, postgres_server):
    location = postgres_server.url(postgres_server.create_database())
    summary = kill_and_resume(tmp_path, env, location, SEEDS[0] + 1, 3, sigterm_share=0.34)
    assert sum(not k.exited_by_itself for k in summary.kills) == 3


def test_a_killed_run_is_shown_interrupted_by_every_command(tmp_path, env):
    config = held_fleet(tmp_path / "hds.yaml", tmp_path / "gate")
    location = str(tmp_path / "ev.sqlite")
    watch = StoreWatch(location)
    run_id, kill = run_and_kill(["run", "-c", str(config), "--store", location, *CONTROL_ARGS], env, watch, None, at=3)
    watch.close()
    assert not kill.exited_by_itself
    listed = json.loads(hdsctl("runs", "list", "--store", location, "--format", "json", env=env).stdout)
    assert [(r["run_id"], r["status"]) for r in listed] == [(run_id, "interrupted")]
    shown = hdsctl("runs", "show", run_id, "--store", location, "--format", "json", env=env)
    assert json.loads(shown.stdout)["status"] == "interrupted" and shown.returncode == 1
    table = hdsctl("runs", "list", "--store", location, env=env)
    assert "interrupted" in table.stdout and "running" not in table.stdout
    report = hdsctl("report", "--store", location, "--tenant", "t00", "--format", "json", "-o", "-", env=env)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["run"]["status"] == "interrupted"


def test_sigterm_marks_the_run_interrupted_and_names_the_resume_command(tmp_path, env):
    gate = tmp_path / "gate"
    config = held_fleet(tmp_path / "hds.yaml", gate)
    location = str(tmp_path / "ev.sqlite")
    watch = StoreWatch(location)
    proc = start_hdsctl("run", "-c", str(config), "--store", location, *CONTROL_ARGS, env=env)
    try:
        (run_id,) = wait_for(watch.run_ids, proc)
        wait_for(lambda: watch.count(run_id) >= 1, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert f"hdsctl run --resume {run_id}" in stderr
    # Recorded as interrupted by the runner itself (not inferred), and the lease is gone.
    assert watch.scalar("SELECT status FROM runs WHERE run_id = :r", r=run_id) == "interrupted"
    assert watch.lease_pid(run_id) is None
    watch.close()
    gate.touch()
    done = hdsctl("run", "-c", str(config), "--store", location, "--resume", run_id, "--format", "json", env=env)
    assert done.returncode == 1 and json.loads(done.stdout)["status"] == "completed"


@pytest.fixture
def interrupted(tmp_path, env):
    """An interrupted run (killed after 2 results) and its fleet file.

    Half the fleet waits behind a gate file, so the run cannot finish before the kill however
    slowly a busy machine lets this test poll; the gate opens afterwards, for the resumes."""
    gate = tmp_path / "gate"
    config = held_fleet(tmp_path / "hds.yaml", gate)
    location = str(tmp_path / "ev.sqlite")
    watch = StoreWatch(location)
    run_id, kill = run_and_kill(["run", "-c", str(config), "--store", location, *CONTROL_ARGS], env, watch, None, 2)
    watch.close()
    assert not kill.exited_by_itself, "the run finished before it could be interrupted"
    gate.touch()
    return config, location, run_id


def one_line_error(proc) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdsctl: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_resume_refuses_a_changed_fleet_file(interrupted, env):
    config, location, run_id = interrupted
    config.write_text(config.read_text().replace("cible-1", "cible-9", 1))
    before = hdsctl("runs", "show", run_id, "--store", location, "--format", "json", env=env).stdout
    line = one_line_error(hdsctl("run", "-c", str(config), "--store", location, "--resume", run_id, env=env))
    assert f"the fleet file changed since run {run_id} began" in line and str(config) in line
    assert hdsctl("runs", "show", run_id, "--store", location, "--format", "json", env=env).stdout == before


def test_resume_refuses_a_changed_catalog(interrupted, env, tmp_path):
    config, location, run_id = interrupted
    more = write_outside_plugin(tmp_path / "more")  # one more installed plugin: another catalog
    env = env | {"PYTHONPATH": f"{more}{os.pathsep}{env['PYTHONPATH']}"}
    line = one_line_error(hdsctl("run", "-c", str(config), "--store", location, "--resume", run_id, env=env))
    assert f"the control catalog changed since run {run_id} began" in line


def test_resume_refuses_unknown_completed_and_filtered_runs(interrupted, env):
    config, location, run_id = interrupted
    base = ["run", "-c", str(config), "--store", location]
    assert "no run 'nope'" in one_line_error(hdsctl(*base, "--resume", "nope", env=env))
    assert "keeps its own filters" in one_line_error(hdsctl(*base, "--resume", run_id, "--tenant", "t00", env=env))
    assert hdsctl(*base, "--resume", run_id, env=env).returncode == 1
    assert "already completed" in one_line_error(hdsctl(*base, "--resume", run_id, env=env))
