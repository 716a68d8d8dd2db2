"""The tar restore downloads and hashes the artefact in a thread of its own, feeding the extraction
through a bounded queue: damage still fails with the same messages, an error in that thread fails
the test as an error (never a pass), a stalled download ends at the deadline, and the thread never
outlives the restore test."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from controlplane.results import Status
from hds_backup import checks_restore
from hds_backup.manifest import BackupManifest
from hds_backup.manifest_build import build_manifest
from hds_backup.restore import restore_test
from hds_backup.streams import ChunkStream
from hds_backup.target import BackupSet
from tests.plugins.backup.helpers import check_ctx, collect, only, scratch_dirs, tar_bytes, tar_set

THREAD = "hds-backup-download"
MIB = 1024 * 1024
# Three files across several 1 MiB download chunks: damage lands mid-stream, in a later chunk.
FILES = [
    ("dossiers/a.bin", os.urandom(MIB + 1000)),
    ("dossiers/b.bin", os.urandom(2 * MIB + 333)),
    ("dossiers/c.txt", b"fin\n" * 100),
]


def _download_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == THREAD]


@pytest.fixture(autouse=True)
def _no_download_thread_left() -> Iterator[None]:
    yield
    assert _download_threads() == [], "the download thread outlived the restore test"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _archive(tmp_path: Path) -> tuple[bytes, BackupManifest]:
    data = tar_bytes(FILES)
    path = tmp_path / "docs.tar"
    path.write_bytes(data)
    return data, build_manifest(path, "tar", source_name="docs")


def _tar_set(tmp_path: Path) -> BackupSet:
    return BackupSet.model_validate(
        {"name": "docs", "prefix": "docs/", "format": "tar", "restore": {"scratch_dir": str(tmp_path / "scratch")}}
    )


# -- ChunkStream ------------------------------------------------------------------------------
def test_chunk_stream_reads_across_chunks_and_only_forward():
    chunks = iter([b"ab", b"cdef", b"", b"never read"])
    stream = ChunkStream(lambda: next(chunks))
    assert stream.peek(4) == b"abcd"  # a tiny first chunk is joined with the next for the peek
    assert stream.read(3) == b"abc" and stream.tell() == 3
    assert stream.seek(5) == 5
    with pytest.raises(OSError, match="only be read forward"):
        stream.seek(4)
    assert stream.read(10) == b"f"
    assert stream.read(10) == b"" and stream.view(10).nbytes == 0  # stays at the end


def test_chunk_stream_views_do_not_copy():
    chunk = bytes(range(256)) * 4096
    stream = ChunkStream(iter([chunk, b""]).__next__)
    first = stream.view(1000)
    assert first.obj is chunk and first.tobytes() == chunk[:1000]
    assert stream.view(10**9).nbytes == len(chunk) - 1000


# -- damage and errors --------------------------------------------------------------------------
def test_corrupted_byte_mid_archive_fails_with_the_same_message(locked_bucket, scratch_dir, tmp_path):
    data, manifest = _archive(tmp_path)
    offset = data.index(FILES[1][1]) + MIB + 5  # in b.bin's second MiB: the third download chunk
    damaged = bytearray(data)
    damaged[offset] ^= 0xFF
    bad_file = bytes(damaged[data.index(FILES[1][1]) :][: len(FILES[1][1])])
    locked_bucket.put_backup("docs/docs.tar", bytes(damaged), manifest)
    target = locked_bucket.target([tar_set("docs", "docs/", scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.failed
    assert finding.evidence["problems"] == [
        f"checksum mismatch: the stored artefact's sha256 is {_sha(bytes(damaged))}, the manifest says {_sha(data)}",
        f"file dossiers/b.bin: sha256 {_sha(bad_file)[:16]}… size {len(bad_file)}, "
        f"manifest {_sha(FILES[1][1])[:16]}… size {len(bad_file)}",
    ]
    assert finding.message == finding.evidence["problems"][0] + " (and 1 more)"
    assert finding.evidence["size"] == len(data) and finding.evidence["files_verified"] == 3
    assert scratch_dirs(scratch_dir) == []


def test_intact_archive_verifies_through_the_thread(locked_bucket, scratch_dir, tmp_path):
    data, manifest = _archive(tmp_path)
    locked_bucket.put_backup("docs/docs.tar", data, manifest)
    target = locked_bucket.target([tar_set("docs", "docs/", scratch_dir)])
    finding = only(checks_restore.restore_integrity(collect(target), check_ctx(target)))
    assert finding.status is Status.passed, finding.message
    assert finding.evidence["sha256"] == _sha(data) and finding.evidence["bytes_restored"] == sum(
        len(content) for _, content in FILES
    )


class _FailingBody:
    """A download that breaks after `fail_after` bytes, as a reset connection does."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        self.data, self.fail_after, self.pos = data, fail_after, 0

    def read(self, size: int = -1) -> bytes:
        if self.pos >= self.fail_after:
            raise ConnectionResetError("connection reset by peer while downloading")
        piece = self.data[self.pos : self.pos + min(size, self.fail_after - self.pos)]
        self.pos += len(piece)
        return piece


def test_error_in_the_download_thread_is_an_error_not_a_pass(tmp_path):
    data, manifest = _archive(tmp_path)
    body = _FailingBody(data, fail_after=2 * MIB + 100)
    outcome = restore_test(lambda: body, _tar_set(tmp_path), manifest, time.monotonic() + 60)
    assert _download_threads() == []
    assert outcome.status == "error"
    assert outcome.message == "connection reset by peer while downloading"
    assert not outcome.completed and body.pos == 2 * MIB + 100
    assert scratch_dirs(tmp_path / "scratch") == []


# -- a real HTTP download that breaks or stalls -------------------------------------------------
class _PartialObjectServer(http.server.ThreadingHTTPServer):
    """Answers any GET like S3's GetObject for `data`, but sends only `send` bytes of it, then
    closes the connection (`stall=False`) or holds it open until `release` is set."""

    daemon_threads = True

    def __init__(self, data: bytes, send: int, stall: bool) -> None:
        super().__init__(("127.0.0.1", 0), _PartialHandler)
        self.data, self.send, self.stall = data, send, stall
        self.release = threading.Event()


class _PartialHandler(http.server.BaseHTTPRequestHandler):
    server: _PartialObjectServer

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(self.server.data)))
        self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
        self.end_headers()
        self.wfile.write(self.server.data[: self.server.send])
        self.wfile.flush()
        if self.server.stall:
            self.server.release.wait(60)  # hold the connection open; the test releases it
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def partial_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[_PartialObjectServer]:
    data, _ = _archive(tmp_path)
    server = _PartialObjectServer(data, send=MIB + 4096, stall=request.param == "stall")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def _body_opener(server: _PartialObjectServer, read_timeout: float):
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        region_name="eu-west-3",
        aws_access_key_id="AKIDLOCALTEST",
        aws_secret_access_key="local-test-secret",
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=read_timeout,
            retries={"total_max_attempts": 1},
        ),
    )
    return lambda: s3.get_object(Bucket="sauvegardes", Key="docs/docs.tar")["Body"]


@pytest.mark.parametrize("partial_server", ["cut"], indirect=True)
def test_connection_cut_mid_download_is_an_error(partial_server, tmp_path):
    server = partial_server
    manifest = build_manifest(tmp_path / "docs.tar", "tar", source_name="docs")
    outcome = restore_test(_body_opener(server, 30), _tar_set(tmp_path), manifest, time.monotonic() + 60)
    assert _download_threads() == []
    assert outcome.status == "error", outcome.message
    # botocore's own check of the body against Content-Length, raised in the thread, seen here
    assert (
        outcome.message == f"IncompleteReadError: {server.send} read, but total bytes expected is {len(server.data)}."
    )
    assert scratch_dirs(tmp_path / "scratch") == []


@pytest.mark.parametrize("partial_server", ["stall"], indirect=True)
def test_stalled_download_ends_at_the_deadline(partial_server, tmp_path):
    """The consumer gives up at the deadline; the thread, blocked in a socket read, ends with the
    client's read timeout and is joined before the outcome is returned."""
    server = partial_server
    manifest = build_manifest(tmp_path / "docs.tar", "tar", source_name="docs")
    deadline = time.monotonic() + 1.0
    outcome = restore_test(_body_opener(server, 3), _tar_set(tmp_path), manifest, deadline)
    assert _download_threads() == []  # joined before returning, not ended by the teardown
    assert outcome.status == "timeout", outcome.message
    assert outcome.message == "time budget exhausted while reading the artefact"
    assert scratch_dirs(tmp_path / "scratch") == []
