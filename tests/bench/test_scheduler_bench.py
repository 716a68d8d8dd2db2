from __future__ import annotations

import scheduler as bench_scheduler
from noop_plugin import CONTROLS


def test_scheduler_benchmark_runs_every_check_through_the_store():
    m = bench_scheduler.measure(tenants=30, workers=4, repeat=2)
    assert m["checks"] == 30 * CONTROLS
    assert m["run_s"] > 0 and m["us_per_check"] > 0 and m["rss_mb"] > 0
