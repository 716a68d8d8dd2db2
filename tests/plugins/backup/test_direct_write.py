"""Restored files written around the page cache are byte for byte the archive's members, whatever
their size against the chunk; a filesystem or buffer that refuses direct I/O falls back to the
page cache with the same bytes; a write error in the writer thread reaches the restore."""

from __future__ import annotations

import errno
import fcntl
import io
import os
import tarfile
from pathlib import Path

import pytest

from hds_backup import direct_write
from hds_backup.direct_write import O_DIRECT, ArchiveWriter
from hds_backup.restore_tar import extract_archive
from hds_backup.streams import CHUNK

pytestmark = pytest.mark.skipif(O_DIRECT == 0, reason="O_DIRECT is Linux-only")

SIZES = [0, 1, 4095, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 4097]


def _content(n: int, size: int) -> bytes:
    block = bytes((n * 7 + i) % 251 for i in range(4093))  # a prime length: no alignment by accident
    return (block * (size // len(block) + 1))[:size]


def _direct_supported(path: Path) -> bool:
    fd = os.open(path / "probe", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        return direct_write._set_direct(fd, True)
    finally:
        os.close(fd)
        (path / "probe").unlink()


def test_restored_files_are_the_members_byte_for_byte(tmp_path: Path):
    members = {f"dossiers/f{n}-{size}.bin": _content(n, size) for n, size in enumerate(SIZES)}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    root = tmp_path / "root"
    root.mkdir()
    content = extract_archive(buf, root, 1 << 30)
    assert sorted(content.files) == sorted(members)
    for name, data in members.items():
        restored = (root / name).read_bytes()
        assert len(restored) == len(data) and restored == data, name


def test_large_files_go_direct_and_their_tail_through_the_page_cache(tmp_path: Path):
    if not _direct_supported(tmp_path):
        pytest.skip(f"{tmp_path} refuses O_DIRECT: only the fallback can run here")
    data = _content(1, 2 * CHUNK + 10)
    path = tmp_path / "f.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with ArchiveWriter() as out, out.file(fd, direct=True) as writer:
            assert writer.direct
            writer.write(memoryview(data)[: CHUNK + 3])
            writer.write(memoryview(data)[CHUNK + 3 :])
            writer.finish()
        assert not fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT  # the tail cleared it
    finally:
        os.close(fd)
    assert path.read_bytes() == data


def test_a_refused_direct_write_falls_back_with_the_same_bytes(tmp_path: Path):
    """An unaligned buffer makes a direct write fail with EINVAL, as a filesystem refusing
    direct I/O does: the chunk is written through the page cache instead."""
    if not _direct_supported(tmp_path):
        pytest.skip(f"{tmp_path} refuses O_DIRECT: nothing to fall back from")
    data = _content(2, CHUNK)
    path = tmp_path / "f.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        assert direct_write._set_direct(fd, True)
        unaligned = bytearray(CHUNK + 1)
        unaligned[1:] = data
        with memoryview(unaligned) as whole, whole[1:] as view:
            direct_write._write_chunk(fd, view, tail=False)
        assert not fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT
    finally:
        os.close(fd)
    assert path.read_bytes() == data


def test_a_write_error_in_the_writer_thread_reaches_the_restore(tmp_path: Path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDONLY)  # every write fails with EBADF, in the writer thread
    try:
        with ArchiveWriter() as out:
            with pytest.raises(OSError) as raised, out.file(fd, direct=True) as writer:
                writer.direct = True  # whatever the filesystem said: the thread path is under test
                for _ in range(3):
                    writer.write(memoryview(_content(3, CHUNK)))
                writer.finish()
            assert raised.value.errno == errno.EBADF
    finally:
        os.close(fd)
    assert path.read_bytes() == b""
