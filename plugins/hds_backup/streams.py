"""One pass over a backup artefact: read it (from S3 or a file), hash what was stored, and
decompress it for the restore, all in bounded memory whatever the artefact's size.

    raw = HashingReader(body)                   # sha256 + size of the stored bytes
    data = decompressing_reader(raw, "auto")    # gzip / zstd / none, by magic bytes
    ... consume data ...
    raw.drain()                                 # read what the consumer left, finish the hash

The checksum and size of the stored bytes are the first line of defence: zstandard's stream
reader ends quietly on a truncated frame (gzip raises), so a truncated artefact is caught by
the comparison with its manifest, or else by pg_restore, psql or tarfile hitting the early end.

The tar restore reads through `ChunkStream` instead (chunks handed over by the download thread
of `download.py`, no copy for bulk data) and `decompressed_stream`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Callable
from typing import BinaryIO, Protocol

from hds_backup.manifest import Compression

CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class DeadlineExceeded(Exception):
    """The restore test ran out of its time budget."""


class SizeLimitExceeded(Exception):
    """The decompressed artefact grew past the configured limit (a decompression bomb, or a
    backup larger than the scratch space was sized for)."""


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class HashingReader(io.RawIOBase):
    """A raw stream that hashes every byte it hands out, and stops at the deadline."""

    def __init__(self, source: Readable, deadline: float | None = None) -> None:
        self._source = source
        self._deadline = deadline
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise DeadlineExceeded("time budget exhausted while reading the artefact")
        data = self._source.read(min(len(buffer), CHUNK))
        n = len(data)
        buffer[:n] = data
        self._hash.update(data)
        self.size += n
        return n

    def drain(self) -> None:
        """Read to the end, so the hash covers the whole artefact."""
        while self.read(CHUNK):
            pass

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def detect_compression(head: bytes) -> Compression:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


def decompressing_reader(raw: HashingReader, compression: Compression | str) -> tuple[BinaryIO, Compression]:
    """The artefact's content as a buffered binary stream, and the compression it had
    (`auto` looks at the magic bytes)."""
    buffered = io.BufferedReader(raw, buffer_size=CHUNK)
    found: Compression = detect_compression(buffered.peek(4)[:4]) if compression == "auto" else compression  # type: ignore[assignment]
    if found == "gzip":
        return gzip.GzipFile(fileobj=buffered, mode="rb"), found  # type: ignore[return-value]
    if found == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(buffered, read_size=CHUNK, read_across_frames=True)
        return io.BufferedReader(reader, buffer_size=CHUNK), found  # type: ignore[arg-type]
    return buffered, found


def copy_limited(src: BinaryIO, dst: BinaryIO, limit: int) -> int:
    """Copy in chunks; refuse to write more than `limit` bytes."""
    total = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise SizeLimitExceeded(f"the restored data exceeds max_bytes ({limit} bytes)")
        dst.write(chunk)


def decompression_errors() -> tuple[type[BaseException], ...]:
    """What a damaged compressed stream raises: truncated gzip (EOFError), bad gzip header or CRC,
    corrupt deflate data, zstd frame errors. Not OSError at large: a full disk is no damaged backup."""
    import zlib

    import zstandard

    return (EOFError, gzip.BadGzipFile, zlib.error, zstandard.ZstdError)


class ChunkStream:
    """A forward-only binary stream over a source of chunks (`next_chunk()` returns b"" at the end).

    Bulk consumers take views of the current chunk without copying (`view`); `read` copies, for
    the small reads of tar headers and decompressors. `seek` only moves forward (tarfile skips a
    member's padding with it), which is all a one-pass restore needs: `tarfile.TarFile` reads its
    headers from it, and member data is taken as views."""

    def __init__(self, next_chunk: Callable[[], bytes]) -> None:
        self._next = next_chunk
        self._view = memoryview(b"")
        self._eof = False
        self.pos = 0

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._next()
        if not chunk:
            self._eof = True
            return False
        self._view = memoryview(chunk).cast("B")
        return True

    def view(self, size: int) -> memoryview:
        """Up to `size` bytes (fewer at the end of a chunk), not copied; empty at the end."""
        if not self._view and not self._fill():
            return memoryview(b"")
        out = self._view[:size]
        self._view = self._view[size:]
        self.pos += len(out)
        return out

    def read(self, size: int | None = -1) -> bytes:
        parts = []
        left = size if size is not None and size >= 0 else -1
        while left:
            part = self.view(left if left > 0 else CHUNK)
            if not part:
                break
            parts.append(part)
            left -= len(part) if left > 0 else 0
        if len(parts) == 1:
            return parts[0].tobytes()
        return b"".join(parts)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        part = self.view(len(buffer))
        buffer[: len(part)] = part
        return len(part)

    def peek(self, size: int) -> bytes:
        """The next `size` bytes (fewer at the end), left unread."""
        while len(self._view) < size and not self._eof:
            chunk = self._next()
            if not chunk:
                self._eof = True
                break
            self._view = memoryview(self._view.tobytes() + bytes(chunk))  # only a tiny first chunk gets here
        return self._view[:size].tobytes()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self.pos + offset if whence == io.SEEK_CUR else -1
        if target < self.pos:
            raise io.UnsupportedOperation("a streamed artefact can only be read forward")
        while self.pos < target and self.view(target - self.pos):
            pass
        return self.pos


def decompressed_stream(raw: ChunkStream, compression: Compression | str) -> tuple[ChunkStream, Compression]:
    """`decompressing_reader` for a `ChunkStream`: the content as a ChunkStream of pieces of up to
    CHUNK bytes, and the compression found (`auto` looks at the magic bytes). gzip is read with
    `read1`, never past what the consumer asks for: its trailer is checked only if reached, as
    through `decompressing_reader`."""
    found: Compression = detect_compression(raw.peek(4)) if compression == "auto" else compression  # type: ignore[assignment]
    if found == "gzip":
        unzipped = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[arg-type]
        return ChunkStream(lambda: unzipped.read1(CHUNK)), found
    if found == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_size=CHUNK, read_across_frames=True)
        return ChunkStream(lambda: reader.read(CHUNK)), found
    return raw, found
