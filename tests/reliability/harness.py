"""Drive the real `hdsctl` in subprocesses with the test plugins installed as distributions, and
watch its store from outside (read-only), to kill it at chosen moments and check what it left."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.support.fleet import tenant, write_fleet

REPO = Path(__file__).resolve().parents[2]
HDSCTL = str(Path(sys.executable).with_name("hdsctl"))

PLUGINS = {
    "rel": ("hds-rel-probe", "tests.reliability.rel_plugin"),
    "faults": ("hds-fault-probe", "tests.support.fault_plugin"),
}


def install_plugins(site: Path, names: Iterable[str] = ("rel", "faults")) -> Path:
    """A `.dist-info` per test plugin declaring its `hds.plugins` entry point, as `pip install`
    leaves it: with `site` and the repository on PYTHONPATH, `hdsctl` discovers them."""
    for name in names:
        dist, module = PLUGINS[name]
        info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(f"[hds.plugins]\n{name} = {module}\n")
    return site


def plugin_env(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "HDS_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    env.update(extra)
    return env


def hdsctl(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HDSCTL, *args], env=env, capture_output=True, text=True, timeout=timeout)


def start_hdsctl(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [HDSCTL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def rel_fleet(
    path: Path,
    tenants: int,
    targets: int,
    rng: random.Random | None = None,
    delay_ms: tuple[float, float] = (20, 60),
    findings: int = 3,
    runtime: dict[str, Any] | None = None,
    **target_fields: Any,
) -> Path:
    """`tenants` tenants with `targets` slow-ish `rel` targets each (per-target delay)."""
    rng = rng or random.Random(0)
    fleet = [
        tenant(
            f"t{n:02d}",
            [5],
            {
                "rel": [
                    {"name": f"cible-{m}", "delay_ms": round(rng.uniform(*delay_ms)), "findings": findings}
                    | target_fields
                    for m in range(targets)
                ]
            },
        )
        for n in range(tenants)
    ]
    rt = {"workers": 2, "collect_timeout_s": 30, "check_timeout_s": 10, "retries": 0} | (runtime or {})
    return write_fleet(path, fleet, rt)


def held_fleet(path: Path, gate: Path) -> Path:
    """Two tenants: t00's two targets answer at once, t01's two wait for `gate` to exist. Every
    target is collected at the same time (4 workers), so the run holds results yet cannot finish
    until the test opens the gate: a kill lands mid-run however slow the machine is."""
    fleet = [
        tenant("t00", [5], {"rel": [{"name": f"cible-{m}", "findings": 3} for m in range(2)]}),
        tenant("t01", [5], {"rel": [{"name": f"cible-{m}", "findings": 3, "gate": str(gate)} for m in range(2)]}),
    ]
    rt = {"workers": 4, "collect_timeout_s": 600, "check_timeout_s": 10, "retries": 0}
    return write_fleet(path, fleet, rt)


REL_CONTROLS = ("REL-01", "REL-02", "REL-03")


def expected_findings(control: str, findings: int) -> int:
    return findings if control == "REL-03" else 1


class StoreWatch:
    """Reads the store the way an outside observer would: SQLite opened read-only (URI mode=ro),
    or a plain PostgreSQL connection. Never writes."""

    def __init__(self, location: str) -> None:
        url = location if "://" in location else f"sqlite:///file:{location}?mode=ro&uri=true"
        self.engine = create_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def scalar(self, sql: str, **params: Any) -> Any:
        try:
            with self.engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        except Exception:  # the file may not exist yet, or the schema not be created
            return None

    def run_ids(self) -> list[str]:
        try:
            with self.engine.connect() as conn:
                return [r[0] for r in conn.execute(text("SELECT run_id FROM runs ORDER BY started_at"))]
        except Exception:
            return []

    def count(self, run_id: str) -> int:
        return int(self.scalar("SELECT count(*) FROM results WHERE run_id = :r", r=run_id) or 0)

    def lease_pid(self, run_id: str) -> int | None:
        return self.scalar("SELECT pid FROM run_leases WHERE run_id = :r", r=run_id)

    def keys(self, run_id: str) -> Counter[tuple[str, str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT tenant, control, target FROM results WHERE run_id = :r"), {"r": run_id})
            return Counter((t, c, g) for t, c, g in rows)


def wait_for(condition: Callable[[], Any], proc: subprocess.Popen[str] | None = None, timeout: float = 120) -> Any:
    """Poll `condition` until it is truthy (or `proc` exits); the test's only way of waiting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            return None
        time.sleep(0.005)
    raise AssertionError(f"condition not met within {timeout}s")


@dataclass
class Kill:
    """One kill: the point chosen (results stored) and what was stored when the process died."""

    target: int
    stored_at_kill: int
    exited_by_itself: bool


def run_and_kill(
    args: list[str], env: dict[str, str], watch: StoreWatch, run_id: str | None, at: int, sig: int = signal.SIGKILL
) -> tuple[str, Kill]:
    """Start `hdsctl`, wait until its run holds `at` results (0: as soon as this process holds the
    run's lease), then send `sig` (SIGKILL by default). Returns the run id and what happened."""
    before = set(watch.run_ids())
    proc = start_hdsctl(*args, env=env)
    try:
        if run_id is None:
            found = wait_for(lambda: [r for r in watch.run_ids() if r not in before], proc)
            if not found:
                proc.communicate(timeout=120)
                raise AssertionError(f"hdsctl exited {proc.returncode} before beginning a run")
            run_id = found[0]
        rid = run_id
        wait_for(lambda: watch.lease_pid(rid) == proc.pid, proc)
        wait_for(lambda: watch.count(rid) >= at, proc)
        exited = proc.poll() is not None
        if not exited:
            os.killpg(proc.pid, sig)
        proc.communicate(timeout=120)
        if sig == signal.SIGTERM and not exited:
            assert proc.returncode in (143, 0, 1), f"SIGTERM: exit {proc.returncode}"
        return rid, Kill(at, watch.count(rid), exited)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=60)


# -- kill and resume, again and again (the crash tests and bench/soak.py) ----------------------

CONTROL_ARGS = [arg for c in REL_CONTROLS for arg in ("--control", c)]


def planned_keys(tenants: int, targets: int, findings: int) -> dict[tuple[str, str, str], int]:
    """Every (tenant, control, target) a `rel_fleet` run plans, with its number of findings."""
    return {
        (f"t{n:02d}", control, f"cible-{m}"): expected_findings(control, findings)
        for n in range(tenants)
        for m in range(targets)
        for control in REL_CONTROLS
    }


def status_of(location: str, run_id: str) -> str:
    from controlplane.store import EvidenceStore

    store = EvidenceStore.open(location, create=False)
    try:
        run = store.get_run(run_id)
        assert run is not None
        return run.status
    finally:
        store.close()


def assert_whole_checks_only(watch: StoreWatch, run_id: str, planned: dict[tuple[str, str, str], int]) -> None:
    """No stored check is partial or duplicated, whatever the moment of the kill."""
    for key, n in watch.keys(run_id).items():
        assert key in planned, f"unplanned result {key}"
        assert n == planned[key], f"{key}: {n} findings stored, the check returns {planned[key]}"


@dataclass
class CrashSummary:
    kills: list[Kill]
    runs: list[str]
    results: int


def kill_and_resume(
    workdir: Path,
    env: dict[str, str],
    location: str,
    seed: int,
    kills: int,
    tenants: int = 8,
    targets: int = 3,
    findings: int = 3,
    sigterm_share: float = 0.0,
) -> CrashSummary:
    """Kill `hdsctl run` / `hdsctl run --resume` `kills` times at random numbers of stored results
    (SIGKILL; SIGTERM for `sigterm_share` of them), checking after each kill that only whole
    checks are stored and that the run shows interrupted; a run that completed before its kill is
    followed by a new one on the same store. Then resume the last run to its end and check that
    every run holds every planned check exactly once, completed, and that the store verifies."""
    rng = random.Random(seed)
    config = rel_fleet(workdir / "hds.yaml", tenants, targets, rng, delay_ms=(60, 120), findings=findings)
    planned = planned_keys(tenants, targets, findings)
    total = sum(planned.values())
    failing = tenants * targets  # REL-02 fails on every target, on purpose
    base = ["run", "-c", str(config), "--store", location, "--format", "json"]
    watch = StoreWatch(location)
    runs: list[str] = []
    run_id: str | None = None
    history: list[Kill] = []
    try:
        while sum(1 for k in history if not k.exited_by_itself) < kills:
            stored = watch.count(run_id) if run_id else 0
            if run_id is not None and stored == total:  # all stored: let a resume close it, start another
                assert hdsctl(*base, "--resume", run_id, env=env).returncode == 1
                assert status_of(location, run_id) == "completed"
                run_id, stored = None, 0
            at = rng.randint(stored, total)
            sig = signal.SIGTERM if rng.random() < sigterm_share else signal.SIGKILL
            args = [*base, "--resume", run_id] if run_id else [*base, *CONTROL_ARGS]
            run_id, kill = run_and_kill(args, env, watch, run_id, at, sig)
            if run_id not in runs:
                runs.append(run_id)
            history.append(kill)
            context = f"seed {seed}, kills so far {history}"
            assert_whole_checks_only(watch, run_id, planned)
            status = status_of(location, run_id)
            if status == "completed":  # killed after it had finished (printing, drift)
                assert dict(watch.keys(run_id)) == planned, context
                run_id = None
                continue
            assert status == "interrupted", context
        if run_id is not None:
            final = hdsctl(*base, "--resume", run_id, env=env)
            assert final.returncode == 1, final.stderr
            doc = json.loads(final.stdout)
            assert doc["status"] == "completed"
            assert (doc["counts"]["pass"], doc["counts"]["fail"]) == (total - failing, failing)
        listed = hdsctl("runs", "list", "--store", location, "--format", "json", "--limit", "10000", env=env)
        by_id = {r["run_id"]: r for r in json.loads(listed.stdout)}
        assert sorted(by_id) == sorted(runs)
        for rid in runs:
            assert dict(watch.keys(rid)) == planned, f"seed {seed}, run {rid}, kills {history}"
            assert by_id[rid]["status"] == "completed"
            assert (by_id[rid]["counts"]["pass"], by_id[rid]["counts"]["fail"]) == (total - failing, failing)
        verify = hdsctl("evidence", "verify", "--store", location, "--format", "json", env=env)
        assert verify.returncode == 0, verify.stdout
        assert sum(t["records"] for t in json.loads(verify.stdout)["tenants"]) == total * len(runs)
        return CrashSummary(history, runs, total * len(runs))
    finally:
        watch.close()
