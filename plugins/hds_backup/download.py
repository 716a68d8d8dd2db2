"""Download an artefact in a thread of its own, hashing the stored bytes there, and hand the
chunks to the restore through a bounded queue.

Why a thread: a tar restore hashes every byte twice (the stored artefact for its manifest
checksum, each restored file for its own) and writes it to scratch space. hashlib, socket reads
and file writes release the GIL on large buffers, so the download and the artefact's hash run on
one core while the extraction and the files' hashes run on the other (the writes wait on the disk
in a thread of their own: `direct_write`). Memory stays flat: at most `depth` chunks wait in the
queue.

    with BackgroundDownload(open_body(), deadline) as download:
        data = ChunkStream(download.next_chunk)    # ... consume data ...
        download.drain()                           # read and hash what the consumer left
        download.sha256, download.size

Whatever happens, the thread does not outlive the `with` block: leaving it (a refused member, an
error, the deadline) stops the thread and joins it. A read stuck on the network is bounded by the
S3 client's read timeout, as in a single-threaded read. An error in the thread (a dropped
connection, the deadline) is raised again in the consumer, by `next_chunk` or `drain`.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
from types import TracebackType
from typing import Any

from hds_backup.streams import CHUNK, DeadlineExceeded, Readable

QUEUE_DEPTH = 8
"""Chunks waiting for the consumer (8 MiB with 1 MiB chunks): enough to absorb jitter."""
_END = object()
_WAKE_S = 0.05
"""How often a blocked hand-over looks whether the consumer gave up (only then does it wait)."""


class BackgroundDownload:
    """Reads `body` to its end in a daemon thread; `sha256` and `size` cover every byte read."""

    def __init__(self, body: Readable, deadline: float, chunk: int = CHUNK, depth: int = QUEUE_DEPTH) -> None:
        self._body = body
        self._deadline = deadline
        self._chunk = chunk
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._hash = hashlib.sha256()
        self.size = 0
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._draining = threading.Event()
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="hds-backup-download", daemon=True)

    def __enter__(self) -> BackgroundDownload:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # -- the download thread -----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if time.monotonic() > self._deadline:
                    raise DeadlineExceeded("time budget exhausted while reading the artefact")
                data = self._body.read(self._chunk)
                if not data:
                    break
                self._hash.update(data)
                self.size += len(data)
                if not self._draining.is_set():
                    self._put(data)
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        finally:
            close = getattr(self._body, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
            self._put(_END)

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_WAKE_S)
                return
            except queue.Full:
                continue

    # -- the consumer ------------------------------------------------------------------------
    def next_chunk(self) -> bytes:
        """The next chunk, b"" at the end; raises the download's error, or DeadlineExceeded."""
        if self._ended:
            if self._error is not None:
                raise self._error
            return b""
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded("time budget exhausted while reading the artefact")
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is not _END:
                return item  # type: ignore[no-any-return]
            self._ended = True
            self._thread.join()
            if self._error is not None:
                raise self._error
            return b""

    def drain(self) -> None:
        """Read and hash the rest without handing it over (the tar end-of-archive padding, or all
        of a damaged archive), so `sha256` covers the whole artefact."""
        self._draining.set()
        while self.next_chunk():
            pass

    def close(self) -> None:
        """Stop the thread (after the read in progress) and wait for it. Never raises."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()
