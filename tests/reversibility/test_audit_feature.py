"""The auditor's French scenario for REV-01 (features/reversibilite.feature), run by `hdsctl audit`
in a child process (pytest-bdd runs inside it) on the sweep it makes; HDS_NOW moves the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.reversibility.conftest import Env, dump


def audit(env: Env, now: str, out: Path) -> subprocess.CompletedProcess[str]:
    hdsctl = str(Path(sys.executable).with_name("hdsctl"))
    argv = [hdsctl, "audit", "-c", str(env.config), "--store", str(env.store), "--tenant", "clinique"]
    environment = {**os.environ, "HDS_NOW": now}
    for name in ("HDS_STORE", "HDS_SIGNING_KEY", "HDS_NOTIFY_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        environment.pop(name, None)
    return subprocess.run(
        [*argv, "--tags", "@REV-01", "-o", str(out)], capture_output=True, text=True, env=environment, timeout=300
    )


def scenario_outcome(out: Path) -> list[str]:
    cucumber = json.loads((out / "cucumber.json").read_text(encoding="utf-8"))
    return [
        step["result"]["status"]
        for feature in cucumber
        for element in feature["elements"]
        if "REV-01" in element["name"]
        for step in element["steps"]
    ]


def test_the_scenario_holds_after_a_recent_test_and_fails_once_it_is_stale(env: Env) -> None:
    test = env.reversibility("test", "--tenant", "clinique", now="2026-01-10")
    assert test.exit_code == 0, dump(test)
    fresh = audit(env, "2026-06-01", env.root / "audit-juin")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert set(scenario_outcome(env.root / "audit-juin")) == {"passed"}
    late = audit(env, "2027-03-01", env.root / "audit-mars")
    assert late.returncode == 1, late.stdout + late.stderr
    assert "failed" in scenario_outcome(env.root / "audit-mars")
    assert "stale" in (env.root / "audit-mars" / "cucumber.json").read_text(encoding="utf-8")
