from __future__ import annotations

import pytest

pytest.importorskip("moto")
pytest.importorskip("hds_backup.restore")

import restore


def test_restore_benchmark_verifies_the_archive_and_reads_it_like_the_floor(tmp_path):
    m = restore.measure(size_mib=4, files=2, repeat=1, workdir=tmp_path)
    assert m["status"] == "verified", m["message"]
    assert m["floor_sha_ok"] == "True"  # the floor read exactly the archive the manifest describes
    assert m["bytes"] >= 4 * 2**20
    assert m["restore_s"] > 0 and m["floor_s"] > 0 and m["restore_rss_mb"] > 0
