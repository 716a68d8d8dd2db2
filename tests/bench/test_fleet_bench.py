from __future__ import annotations

import pytest

pytest.importorskip("moto")

import fleet
from floor import READS


def test_fleet_benchmark_sweeps_a_small_fleet_reading_each_aspect_once(tmp_path):
    m = fleet.measure(tenants=2, workers=4, repeat=1, s3_only=False, workdir=tmp_path, startup_runs=1)
    assert m["buckets"] == 4
    assert m["floor_requests"] == 4 * len(READS) and m["floor_errors"] == 0
    assert m["requests_per_bucket"] == len(READS)  # the sweep reads what the floor reads, no more
    assert m["max_reads_per_aspect"] == 1
    assert m["s3_checks"] > 0 and m["s3_errors"] == 0
    assert m["full_checks"] > m["s3_checks"] and m["full_errors"] == 0
    assert m["s3_rss_mb"] > 0 and m["first_request_s"] > 0 and m["first_request_filtered_s"] > 0
