"""Memory stays flat whatever the artefact's size: a restore test of half a gigabyte, run in a child
process, peaks far below the artefact's size (download, hash, decompression and extraction all
stream in chunks)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import zstandard

from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory read from /proc (Linux)")
SIZE = 512 * 1024 * 1024
CHILD = """
import json, sys, time
from hds_backup.manifest import BackupManifest
from hds_backup.restore import restore_test
from hds_backup.target import BackupSet
spec = json.loads(sys.argv[1])
backup_set = BackupSet.model_validate(spec["set"])
manifest = BackupManifest.model_validate_json(spec["manifest"])
outcome = restore_test(lambda: open(spec["artefact"], "rb"), backup_set, manifest, time.monotonic() + 600)
# VmHWM: this process's peak resident memory since exec (getrusage's ru_maxrss counts the parent's
# memory at fork time).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"status": outcome.status, "message": outcome.message, "details": dict(outcome.details),
                  "max_rss_kb": peak}))
"""


class _Pattern(io.RawIOBase):
    """`size` bytes of a repeating pattern, produced on demand."""

    def __init__(self, size: int, line: bytes) -> None:
        self.left = size
        self.line = line

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        chunk = (self.line * (n // len(self.line) + 1))[:n]
        buffer[:n] = chunk
        self.left -= n
        return n


def _run(spec: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_large_archive_restores_in_flat_memory(tmp_path: Path):
    archive = tmp_path / "big.tar.zst"
    with (
        archive.open("wb") as out,
        zstandard.ZstdCompressor().stream_writer(out) as zst,
        tarfile.open(fileobj=zst, mode="w|") as tar,
    ):
        info = tarfile.TarInfo("big.bin")
        info.size = SIZE
        tar.addfile(info, io.BufferedReader(_Pattern(SIZE, b"dossier patient 0123456789\n")))
    manifest = build_manifest(archive, "tar")
    assert manifest.files[0].size == SIZE and archive.stat().st_size < SIZE // 100
    result = _run(
        {
            "set": {"name": "big", "prefix": "x/", "format": "tar", "restore": {"scratch_dir": str(tmp_path / "s")}},
            "manifest": manifest.model_dump_json(by_alias=True),
            "artefact": str(archive),
        }
    )
    assert result["status"] == "verified", result["message"]
    assert result["details"]["bytes_restored"] == SIZE
    assert result["max_rss_kb"] * 1024 < SIZE // 3, result["max_rss_kb"]


def test_large_dump_downloads_and_hashes_in_flat_memory(tmp_path: Path, scratch_env: str):
    dump = tmp_path / "big.sql.zst"
    with dump.open("wb") as out, zstandard.ZstdCompressor().stream_writer(out) as zst:
        source = _Pattern(SIZE, b"-- padding line of a very large plain SQL dump\n")
        while chunk := source.read(1024 * 1024):
            zst.write(chunk)
    manifest = BackupManifest.model_validate(
        {
            "tool": "pg_dump",
            "created_at": "2026-01-01T00:00:00Z",
            "source": {"kind": "postgresql", "name": "big"},
            "artefact": {"name": dump.name, "format": "pg_plain", "size": dump.stat().st_size, "sha256": "0" * 64},
            "digest_algorithm": "row-sha256-sum64/1",
            "tables": [],
        }
    )
    restore = {"scratch_dsn": {"env": scratch_env}, "scratch_dir": str(tmp_path / "s")}
    result = _run(
        {
            "set": {"name": "big", "prefix": "x/", "format": "pg_plain", "restore": restore},
            "manifest": manifest.model_dump_json(by_alias=True),
            "artefact": str(dump),
        }
    )
    assert result["status"] == "failed" and result["message"].startswith("checksum mismatch")
    assert result["details"]["size"] == dump.stat().st_size
    assert result["max_rss_kb"] * 1024 < SIZE // 3, result["max_rss_kb"]
