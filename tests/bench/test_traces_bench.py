"""A smoke-sized run of bench/traces.py: the whole export path, counts checked, never timings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "traces.py"


def test_trace_bench_exports_exactly_the_tenants_half(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--files", "2", "--lines-per-file", "1000", "--passes", "2",
         "--min-rate", "1", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4,000 lines (2,000 of the tenant)" in proc.stdout
    assert (tmp_path / "export.csv.seal.json").is_file()
