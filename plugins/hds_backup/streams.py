"""One pass over a backup artefact: read it (from S3 or a file), hash what was stored, and
decompress it for the restore, all in bounded memory whatever the artefact's size.

    raw = HashingReader(body)                   # sha256 + size of the stored bytes
    data = decompressing_reader(raw, "auto")    # gzip / zstd / none, by magic bytes
    ... consume data ...
    raw.drain()                                 # read what the consumer left, finish the hash

The checksum and size of the stored bytes are the first line of defence: zstandard's stream
reader ends quietly on a truncated frame (gzip raises), so a truncated artefact is caught by
the comparison with its manifest, or else by pg_restore, psql or tarfile hitting the early end.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
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
