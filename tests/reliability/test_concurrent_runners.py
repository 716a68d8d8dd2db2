"""Overlapping runners on one store (a CronJob firing while the previous sweep still runs): the
second `hdsctl run` on overlapping tenants exits 2 naming the run in progress, or waits with
--wait; runners on disjoint tenants (shards) proceed side by side; a dead runner blocks nobody.
Runs are held in progress deterministically by a gate file their collector waits for."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from controlplane.store import lease
from tests.reliability.harness import StoreWatch, hdsctl, run_and_kill, start_hdsctl, wait_for
from tests.support.fleet import tenant, write_fleet


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ev.sqlite")
    server = request.getfixturevalue("postgres_server")
    return server.url(server.create_database())


def gated_fleet(tmp_path: Path) -> tuple[Path, Path]:
    gate = tmp_path / "gate"
    target = {"name": "cible", "gate": str(gate)}
    config = write_fleet(
        tmp_path / "hds.yaml",
        [tenant(t, [5], {"rel": [dict(target)]}) for t in ("t00", "t01")],
        {"workers": 2, "collect_timeout_s": 120, "check_timeout_s": 10, "retries": 0},
    )
    return config, gate


class Runner:
    """A background `hdsctl run` whose stderr is collected line by line as it comes."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = start_hdsctl(*args, env=env)
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line.rstrip("\n"))

    def finish(self) -> tuple[int, str]:
        out, _ = self.proc.communicate(timeout=120)
        self._reader.join(timeout=10)
        return self.proc.returncode, out


def run_args(config: Path, location: str, *extra: str) -> list[str]:
    return ["run", "-c", str(config), "--store", location, "--control", "REL-01", "--format", "json", *extra]


def hold_a_run(config: Path, location: str, env: dict[str, str], *extra: str) -> tuple[Runner, str, StoreWatch]:
    watch = StoreWatch(location)
    first = Runner(*run_args(config, location, *extra), env=env)
    (run_id,) = wait_for(watch.run_ids, first.proc)
    wait_for(lambda: watch.lease_pid(run_id) == first.proc.pid, first.proc)
    return first, run_id, watch


def test_second_runner_on_overlapping_tenants_exits_2_and_writes_nothing(tmp_path, env, location):
    config, gate = gated_fleet(tmp_path)
    first, run_id, watch = hold_a_run(config, location, env)
    try:
        second = hdsctl(*run_args(config, location, "--tenant", "t01"), env=env)
        assert second.returncode == 2
        (line,) = second.stderr.splitlines()
        assert line.startswith("hdsctl: error: ")
        assert f"another run ({run_id}) is in progress for tenants t01 (pid {first.proc.pid} on " in line
        assert second.stdout == ""
        assert watch.run_ids() == [run_id]  # the refused runner recorded nothing
    finally:
        gate.touch()
    code, out = first.finish()
    assert code == 0 and json.loads(out)["status"] == "completed"
    assert hdsctl("evidence", "verify", "--store", location, env=env).returncode == 0
    watch.close()


def test_second_runner_waits_with_wait_then_sweeps(tmp_path, env, location):
    config, gate = gated_fleet(tmp_path)
    first, run_id, watch = hold_a_run(config, location, env)
    second = Runner(*run_args(config, location, "--wait"), env=env)
    try:
        wait_for(lambda: any("waiting" in line for line in second.err), second.proc)
        assert any(f"another run ({run_id}) is in progress for tenants t00, t01" in line for line in second.err)
        assert watch.run_ids() == [run_id]
    finally:
        gate.touch()
    (code1, out1), (code2, out2) = first.finish(), second.finish()
    assert (code1, code2) == (0, 0), second.err
    runs = [json.loads(out1), json.loads(out2)]
    assert runs[1]["started_at"] >= runs[0]["finished_at"]  # one after the other, not side by side
    for run in runs:
        assert sorted((r["tenant"], r["control"]) for r in run["results"]) == [("t00", "REL-01"), ("t01", "REL-01")]
    verify = hdsctl("evidence", "verify", "--store", location, "--format", "json", env=env)
    assert verify.returncode == 0
    assert [t["records"] for t in json.loads(verify.stdout)["tenants"]] == [2, 2]
    watch.close()


def test_wait_timeout_gives_up_with_exit_2(tmp_path, env):
    config, gate = gated_fleet(tmp_path)
    location = str(tmp_path / "ev.sqlite")
    first, run_id, watch = hold_a_run(config, location, env)
    try:
        second = hdsctl(*run_args(config, location, "--wait", "--wait-timeout", "0.5"), env=env)
        assert second.returncode == 2
        assert f"another run ({run_id}) is in progress" in second.stderr.splitlines()[-1]
    finally:
        gate.touch()
    assert first.finish()[0] == 0
    watch.close()


def test_runners_on_disjoint_tenants_sweep_side_by_side(tmp_path, env):
    config, gate = gated_fleet(tmp_path)
    location = str(tmp_path / "ev.sqlite")
    first, run_id, watch = hold_a_run(config, location, env, "--tenant", "t00")
    try:
        other = write_fleet(tmp_path / "other.yaml", [tenant("t01", [5], {"rel": [{"name": "cible"}]})])
        second = hdsctl("run", "-c", str(other), "--store", location, "--control", "REL-01", env=env)
        assert second.returncode == 0, second.stderr
        assert watch.lease_pid(run_id) == first.proc.pid  # the first one is still sweeping
    finally:
        gate.touch()
    assert first.finish()[0] == 0
    assert hdsctl("evidence", "verify", "--store", location, env=env).returncode == 0
    watch.close()


def test_a_killed_runner_does_not_block_the_next_one(tmp_path, env):
    config, _gate = gated_fleet(tmp_path)
    location = str(tmp_path / "ev.sqlite")
    watch = StoreWatch(location)
    run_id, kill = run_and_kill(run_args(config, location), env, watch, None, at=0)
    assert not kill.exited_by_itself
    assert watch.lease_pid(run_id) is not None  # SIGKILL left its lease behind
    ungated = write_fleet(
        tmp_path / "ungated.yaml", [tenant(t, [5], {"rel": [{"name": "cible"}]}) for t in ("t00", "t01")]
    )
    after = hdsctl("run", "-c", str(ungated), "--store", location, "--control", "REL-01", env=env)
    assert after.returncode == 0, after.stderr
    listed = {
        r["run_id"]: r["status"]
        for r in json.loads(hdsctl("runs", "list", "--store", location, "--format", "json", env=env).stdout)
    }
    assert listed[run_id] == "interrupted"
    assert watch.scalar("SELECT status FROM runs WHERE run_id = :r", r=run_id) == "interrupted"  # recorded
    assert watch.lease_pid(run_id) is None
    watch.close()


# -- when a lease is live (no processes needed) ------------------------------------------------


def row(**kw):
    me = lease.this_process()
    fields = {"host": me.host, "pid": me.pid, "process_start": me.process_start, "heartbeat_at": 1000.0}
    return SimpleNamespace(**(fields | kw))


def test_a_lease_is_live_while_its_heartbeat_is_fresh_and_its_process_runs():
    assert lease.is_live(row(), now=1000.0 + lease.TTL_S - 1)


def test_a_lease_whose_heartbeat_stopped_is_dead_even_on_another_host():
    assert lease.is_live(row(host="pod-b pid:[1]"), now=1000.0 + lease.TTL_S - 1)
    assert not lease.is_live(row(host="pod-b pid:[1]"), now=1000.0 + lease.TTL_S + 1)


def test_a_lease_of_a_dead_or_reused_pid_on_this_host_is_dead():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    assert not lease.is_live(row(pid=proc.pid, process_start="1"), now=1000.0)
    assert not lease.is_live(row(process_start="0"), now=1000.0)  # same pid, another start time
