"""Write restored files around the page cache (O_DIRECT), in a thread of their own, where the
filesystem allows it.

Why around the page cache: a restore test writes the whole backup once and never reads it back
(each file is hashed as it is written). Through the page cache, every byte is copied into
freshly allocated cache pages that evict the host's useful cache; and on virtual machines whose
freed memory goes back to the hypervisor (virtio balloon free page reporting), allocating those
pages costs more CPU than the download and its hash together: 1.6-2.3 s per GiB against 0.06 s
written directly (BENCHMARKS.md, "Restore verification"). The node's page cache does not grow by
the size of the backup either.

Why a thread: a direct write waits for the disk. The writer thread waits while the restore
hashes the next chunk, as the download thread reads while it hashes; a file is complete (and
any write error raised) before the caller closes it.

Only whole chunks go direct, from page-aligned buffers; a file's tail, small files, and
filesystems or writes that refuse O_DIRECT (EINVAL) go through the page cache, so the bytes on
disk are the same either way.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import queue
import threading

from hds_backup.streams import CHUNK

O_DIRECT: int = getattr(os, "O_DIRECT", 0)
BUFFERS = 4
"""Aligned chunks in flight (4 MiB): the one being filled, and writes queued behind the disk."""

_Job = tuple[int, mmap.mmap, int, bool]
"""(fd, buffer, length, tail): a tail is written through the page cache."""


def write_all(fd: int, view: memoryview) -> None:
    """os.write until every byte of `view` is written (a write may be short)."""
    while view:
        view = view[os.write(fd, view) :]


class ArchiveWriter:
    """The writer thread of one restore and its pool of aligned buffers. Use as a context
    manager; `file` gives the writer of each restored file."""

    def __init__(self, buffers: int = BUFFERS) -> None:
        self._buffers = [mmap.mmap(-1, CHUNK) for _ in range(buffers)]
        self._free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
        for buf in self._buffers:
            self._free.put(buf)
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="hds-backup-write", daemon=True)
        self._thread.start()

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._jobs.put(None)
        self._thread.join()
        for buf in self._buffers:
            buf.close()

    def file(self, fd: int, direct: bool) -> FileWriter:
        return FileWriter(self, fd, direct and O_DIRECT != 0 and _set_direct(fd, True))

    # -- the writer thread -----------------------------------------------------------------
    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            fd, buf, length, tail = job
            try:
                if self._error is None:
                    with memoryview(buf) as whole, whole[:length] as view:
                        _write_chunk(fd, view, tail)
            except OSError as exc:  # raised again in the restore by `wait`
                self._error = exc
            finally:
                self._free.put(buf)
                self._jobs.task_done()
        self._jobs.task_done()

    # -- the restore's side ----------------------------------------------------------------
    def take(self) -> mmap.mmap:
        self.raise_error()
        return self._free.get()

    def give_back(self, buf: mmap.mmap) -> None:
        self._free.put(buf)

    def submit(self, fd: int, buf: mmap.mmap, length: int, tail: bool) -> None:
        self._jobs.put((fd, buf, length, tail))

    def wait(self) -> None:
        """Until every submitted write is on its file."""
        self._jobs.join()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error


class FileWriter:
    """Writes one open file's content: whole chunks direct through the writer thread when
    `direct`, everything else in the caller's thread. `finish` writes the tail and waits; leaving
    the `with` block waits too, so the caller may close the descriptor after it."""

    def __init__(self, owner: ArchiveWriter, fd: int, direct: bool) -> None:
        self._owner = owner
        self._fd = fd
        self.direct = direct
        self._buf: mmap.mmap | None = None
        self._fill = 0

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._buf is not None:
            self._owner.give_back(self._buf)
            self._buf = None
        self._owner.wait()

    def write(self, view: memoryview) -> None:
        if not self.direct:
            write_all(self._fd, view)
            return
        while view:
            if self._buf is None:
                self._buf = self._owner.take()
            n = min(len(view), CHUNK - self._fill)
            self._buf[self._fill : self._fill + n] = view[:n]
            self._fill += n
            view = view[n:]
            if self._fill == CHUNK:
                self._submit(tail=False)

    def _submit(self, tail: bool) -> None:
        assert self._buf is not None
        self._owner.submit(self._fd, self._buf, self._fill, tail)
        self._buf, self._fill = None, 0

    def finish(self) -> None:
        """Write what is left (less than a chunk) and wait until the whole file is written."""
        if self._buf is not None:
            self._submit(tail=True)
        self._owner.wait()
        self._owner.raise_error()


def _write_chunk(fd: int, view: memoryview, tail: bool) -> None:
    """A whole chunk direct (falling back to the page cache if refused), or a tail buffered."""
    if tail:
        _set_direct(fd, False)
        write_all(fd, view)
        return
    try:
        written = os.write(fd, view)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # alignment or filesystem refusal: fall back; disk full is not
            raise
        written = 0
    if written < len(view):
        _set_direct(fd, False)
        write_all(fd, view[written:])


def _set_direct(fd: int, on: bool) -> bool:
    """Turn O_DIRECT on or off for an open file; False when the filesystem refuses it."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | O_DIRECT if on else flags & ~O_DIRECT)
    except OSError:
        return False
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT) == on
