"""Smoke run of bench/latency.py: tiny fleet, both cases; figures printed, counts checked, no timing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_latency_bench_runs_and_prints_its_figures(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCH / "latency.py"), "--tenants", "2", "--buckets", "2", "--delay-ms", "5"]
    command += ["--in-flight", "16", "--floor-buckets", "3", "--two-endpoints", "--throttle-share", "0.3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: a target missed (timings are not tested)
    out = done.stdout
    sweep = re.search(r"sweep: [\d.]+ s for (\d+) requests, latency floor [\d.]+ s, ratio [\d.]+", out)
    assert sweep is not None, out
    assert int(sweep.group(1)) == 2 * 2 * 10  # one request per bucket aspect, counted at the server
    assert re.search(r"cpu per request: hdsctl \d+ us .*plain boto3 \d+ us \(30 requests\); peak RSS \d+ MB", out), out
    cases = re.findall(r"two endpoints, (healthy|throttled): .* (\d+) dropped", out)
    assert cases == [("healthy", "0"), ("throttled", "0")], out
    assert re.search(r"throttled: A \(30% throttled, [1-9]\d* of \d+\)", out), out
    assert "targets: " in out
