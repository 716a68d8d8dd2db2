"""Restore a tar archive (optionally gzip/zstd) into a scratch directory while it streams, and
check every member against the manifest.

Nothing may land outside the scratch directory, whatever the archive says: members with an
absolute path, `..`, a NUL byte, a symlink or hardlink pointing outside, a device, FIFO or other
special file are refused and the restore stops. Files are created with O_EXCL|O_NOFOLLOW under
parents that resolve inside the directory, so a link planted by an earlier member cannot redirect
a later write. Each file is hashed while written (never read back); memory stays flat.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import posixpath
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from hds_backup.direct_write import ArchiveWriter
from hds_backup.manifest import MAX_MANIFEST_BYTES, FileDigest, LinkEntry
from hds_backup.streams import CHUNK, ChunkStream, SizeLimitExceeded
from hds_backup.tar_headers import BoundedTarFile, UnsafeMember

MAX_REPORTED = 20
__all__ = ["TarContent", "UnsafeMember", "compare", "extract_archive"]


@dataclass
class TarContent:
    files: dict[str, FileDigest] = field(default_factory=dict)
    links: dict[str, LinkEntry] = field(default_factory=dict)
    bytes_written: int = 0


def _clean(name: str, root_ok: bool = False) -> str:
    """The member's path relative to the archive root (`./` prefixes and `.` parts dropped, as
    tar does), or UnsafeMember. The root itself (`./`, `.`: `tar -C DIR -cf OUT .`) is "" when
    `root_ok` (a directory member), refused otherwise."""
    if "\x00" in name:
        raise UnsafeMember(f"member name {name[:200]!r} contains a NUL byte")
    if name.startswith("/"):
        raise UnsafeMember(f"member {name[:200]!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeMember(f"member {name[:200]!r} climbs out with '..'")
    if not parts and not root_ok:
        raise UnsafeMember(f"member {name[:200]!r} has an empty path")
    return "/".join(parts)


def _inside(root: Path, path: Path) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def _parent(root: Path, rel: str) -> Path:
    """Create the member's parent directories one by one, checking each resolves inside the root
    before anything is created in it (a link planted earlier may point anywhere)."""
    current = root
    for part in rel.split("/")[:-1]:
        current = current / part
        if not os.path.lexists(current):
            current.mkdir(mode=0o700)
        if not _inside(root, current):
            raise UnsafeMember(f"member {rel[:200]!r} would be written through a link leaving the scratch directory")
    return current


Piece = list[memoryview]


def _member_data(tar: BoundedTarFile, stream: ChunkStream, member: tarfile.TarInfo, rel: str) -> Iterator[Piece]:
    """The member's content in pieces of CHUNK bytes (the last one shorter), each piece complete
    before it is handed out, as tarfile's own reader does (a truncated member raises before its
    last piece counts against the budget). A plain member's pieces are views of the downloaded
    chunks (no copy); a sparse member is read through tarfile."""
    if member.issparse():
        source = tar.extractfile(member)
        if source is None:
            raise UnsafeMember(f"member {rel[:200]!r} has no readable content")
        while chunk := source.read(CHUNK):
            tar.check_time()
            yield [memoryview(chunk)]
        return
    stream.seek(member.offset_data)
    left = member.size
    while left:
        tar.check_time()
        want = min(left, CHUNK)
        piece = []
        while want:
            view = stream.view(want)
            if not view:
                raise tarfile.ReadError("unexpected end of data")  # what tarfile's own reader says
            piece.append(view)
            want -= len(view)
        left -= CHUNK if left > CHUNK else left
        yield piece


def _write_file(
    data: Iterator[Piece], root: Path, rel: str, budget: int, out: ArchiveWriter, direct: bool
) -> FileDigest:
    """Write one member, hashing the bytes as they are written (never read back from disk)."""
    parent = _parent(root, rel)
    dest = parent / rel.rsplit("/", 1)[-1]
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with out.file(fd, direct) as writer:
            entry = _digest(data, rel, budget, "the restored files exceed max_bytes", writer.write)
            writer.finish()
    finally:
        os.close(fd)
    return entry


def _digest(
    data: Iterator[Piece], rel: str, budget: int, too_big: str, write: Callable[[memoryview], None] | None = None
) -> FileDigest:
    """Hash a member's pieces (handing each to `write`), refusing past `budget` bytes."""
    digest = hashlib.sha256()
    size = 0
    for piece in data:
        size += sum(map(len, piece))
        if size > budget:
            raise SizeLimitExceeded(too_big)
        for view in piece:
            digest.update(view)
            if write is not None:
                write(view)
    return FileDigest(path=rel, size=size, sha256=digest.hexdigest())


def _link(member: tarfile.TarInfo, root: Path, rel: str, content: TarContent) -> LinkEntry:
    target = member.linkname
    if member.issym():
        if target.startswith("/") or "\x00" in target:
            raise UnsafeMember(f"symlink {rel[:200]!r} points to an absolute path")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if resolved == ".." or resolved.startswith("../"):
            raise UnsafeMember(f"symlink {rel[:200]!r} points outside the archive ({target[:200]!r})")
        parent = _parent(root, rel)
        link = parent / rel.rsplit("/", 1)[-1]
        os.symlink(target, link)
        if not _inside(root, link):  # textually inside, but through other links it leaves
            link.unlink()
            raise UnsafeMember(f"symlink {rel[:200]!r} resolves outside the scratch directory")
        return LinkEntry(path=rel, target=target, type="symlink")
    source_rel = _clean(target)
    if source_rel not in content.files:
        raise UnsafeMember(f"hardlink {rel[:200]!r} points to {target[:200]!r}, not a file restored before it")
    parent = _parent(root, rel)
    source = root.joinpath(*source_rel.split("/"))
    if source.is_symlink() or not _inside(root, source):
        raise UnsafeMember(f"hardlink {rel[:200]!r} points outside the scratch directory")
    os.link(source, parent / rel.rsplit("/", 1)[-1], follow_symlinks=False)
    return LinkEntry(path=rel, target=source_rel, type="hardlink")


def extract_archive(
    stream: ChunkStream | BinaryIO, root: Path | None, max_bytes: int, deadline: float | None = None
) -> TarContent:
    """Walk the archive once. With `root`, restore into it; without, only hash (to write a
    manifest). Raises UnsafeMember, SizeLimitExceeded, DeadlineExceeded (checked at every header
    and every chunk), tarfile.TarError.

    tarfile parses every header (pax, GNU long names, sparse maps: its rules, its errors) from a
    forward-only stream, bounded by `tar_headers`; the members' data bypass its small-block reads.
    The paths recorded are bounded too: no more than a manifest can list."""
    if isinstance(stream, ChunkStream):
        source = stream
    else:  # read1: no read-ahead past what the walk needs (a gzip trailer is checked only if reached)
        source = ChunkStream(functools.partial(getattr(stream, "read1", stream.read), CHUNK))
    content = TarContent()
    listed = 0
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(ArchiveWriter()) if root is not None else None
        tar = stack.enter_context(BoundedTarFile(source, deadline))
        while (member := tar.next_member()) is not None:
            rel = _clean(member.name, root_ok=member.isdir())
            if member.isdir():
                if root is not None and rel:
                    _parent(root, rel + "/x")
                continue
            if rel in content.files or rel in content.links:
                raise UnsafeMember(f"member {rel[:200]!r} appears twice in the archive")
            listed += len(rel) + 100
            if listed > MAX_MANIFEST_BYTES:
                raise UnsafeMember(f"the archive holds more members than a manifest lists ({MAX_MANIFEST_BYTES} bytes)")
            if member.isfile():
                budget = max_bytes - content.bytes_written
                data = _member_data(tar, source, member, rel)
                if root is not None and out is not None:
                    direct = member.size >= CHUNK and not member.issparse()  # where it saves anything
                    entry = _write_file(data, root, rel, budget, out, direct)
                else:
                    entry = _digest(data, rel, budget, "the archive's files exceed the size limit")
                content.files[rel] = entry
                content.bytes_written += entry.size
            elif member.issym() or member.islnk():
                if root is None:
                    content.links[rel] = _link_entry(member, rel, content)
                else:
                    content.links[rel] = _link(member, root, rel, content)
            else:
                kind = "device" if member.ischr() or member.isblk() else "FIFO" if member.isfifo() else "special"
                raise UnsafeMember(f"member {rel[:200]!r} is a {kind} file")
    return content


def _link_entry(member: tarfile.TarInfo, rel: str, content: TarContent) -> LinkEntry:
    """Validate a link without creating it (manifest writing)."""
    if member.issym():
        target = member.linkname
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            raise UnsafeMember(f"symlink {rel[:200]!r} points outside the archive ({target[:200]!r})")
        return LinkEntry(path=rel, target=target, type="symlink")
    source_rel = _clean(member.linkname)
    if source_rel not in content.files:
        raise UnsafeMember(f"hardlink {rel[:200]!r} points to {member.linkname[:200]!r}, not a file before it")
    return LinkEntry(path=rel, target=source_rel, type="hardlink")


def compare(expected: tuple[FileDigest, ...], links: tuple[LinkEntry, ...], found: TarContent) -> list[str]:
    """Differences between the manifest and what the archive held, most telling first."""
    problems: list[str] = []
    want = {f.path: f for f in expected}
    for path, entry in want.items():
        got = found.files.get(path)
        if got is None:
            problems.append(f"file {path} is missing from the archive")
        elif got.sha256 != entry.sha256 or got.size != entry.size:
            problems.append(
                f"file {path}: sha256 {got.sha256[:16]}… size {got.size}, "
                f"manifest {entry.sha256[:16]}… size {entry.size}"
            )
    problems.extend(
        f"file {path} is in the archive but not in the manifest" for path in found.files if path not in want
    )
    want_links = {link.path: link for link in links}
    for path, link in found.links.items():
        expected_link = want_links.get(path)
        if expected_link is None or expected_link.target != link.target or expected_link.type != link.type:
            problems.append(f"{link.type} {path} -> {link.target} is not in the manifest")
    problems.extend(f"link {path} is missing from the archive" for path in want_links if path not in found.links)
    return problems
