"""tarfile with bounds on what an archive may make it hold in memory or spend in time.

tarfile has no limit option: it reads a pax extended header (`x`, `g`) or a GNU long name (`L`,
`K`) whole, whatever size its 512-byte header announces (a 32 KB zstd artefact can announce a
1 GB pax header), follows any chain of them recursively, reads any number of GNU sparse extension
blocks, and keeps every member it has read in `TarFile.members`. Here every header is inspected
right after its 512-byte block is parsed and before tarfile reads what it announces:

- an extended header or long name larger than `MAX_EXTENDED_HEADER`, a chain of them longer than
  `MAX_HEADER_CHAIN` or summing past the limit (per member; global `g` headers over the whole
  archive), more than `MAX_SPARSE_BLOCKS` sparse extension blocks: refused (`UnsafeMember`);
- the deadline is checked at every header, so a stream of millions of empty members stops on
  time (`DeadlineExceeded`);
- `next_member` forgets each member once handed out: memory does not grow with the member count.
"""

from __future__ import annotations

import tarfile
import time
from typing import Any

from hds_backup.streams import DeadlineExceeded

MAX_EXTENDED_HEADER = 1024 * 1024
"""Bytes of pax extended headers / GNU long names per member (and of global headers per archive)."""
MAX_HEADER_CHAIN = 16
"""Extended headers and long names in front of one member (tar writes at most three)."""
MAX_SPARSE_BLOCKS = 4096
"""GNU sparse extension blocks of one member (21 holes each)."""
MAX_NAME = 4096
"""Bytes of a member's path or link target (PATH_MAX)."""
_EXTENDED = {tarfile.XHDTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK}


class UnsafeMember(Exception):
    """An archive member that would write outside the scratch directory, a special file, or a
    header built to exhaust memory."""


class _Guard:
    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.chain_bytes = 0
        self.chain_length = 0
        self.global_bytes = 0

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded("time budget exhausted while restoring the archive")

    def header(self, info: tarfile.TarInfo) -> None:
        self.check_time()
        kind = info.type
        if kind == tarfile.XGLTYPE:
            self.global_bytes += max(info.size, 0)
            total, where = self.global_bytes, "global pax headers of the archive"
        elif kind in _EXTENDED:
            self.chain_bytes += max(info.size, 0)
            self.chain_length += 1
            total, where = self.chain_bytes, "extended headers of one member"
        else:
            self.chain_bytes = self.chain_length = 0
            return
        if info.size < 0 or info.size > MAX_EXTENDED_HEADER or total > MAX_EXTENDED_HEADER:
            raise UnsafeMember(
                f"header at offset {info.offset} announces {info.size} bytes of {where} "
                f"(more than {MAX_EXTENDED_HEADER} bytes): refused before reading it"
            )
        if self.chain_length > MAX_HEADER_CHAIN:
            raise UnsafeMember(f"more than {MAX_HEADER_CHAIN} extended headers in a row at offset {info.offset}")


class _BoundedTarInfo(tarfile.TarInfo):
    def _proc_member(self, tar: Any) -> Any:
        tar.hds_guard.header(self)
        return super()._proc_member(tar)

    def _proc_sparse(self, tar: Any) -> Any:
        """tarfile's own, with the number of extension blocks bounded."""
        structs, isextended, origsize = self._sparse_structs  # type: ignore[attr-defined]
        del self._sparse_structs  # type: ignore[attr-defined]
        blocks = 0
        while isextended:
            blocks += 1
            if blocks > MAX_SPARSE_BLOCKS:
                raise UnsafeMember(f"sparse member at offset {self.offset}: over {MAX_SPARSE_BLOCKS} map blocks")
            tar.hds_guard.check_time()
            buf = tar.fileobj.read(tarfile.BLOCKSIZE)
            if len(buf) < tarfile.BLOCKSIZE:
                raise tarfile.ReadError("unexpected end of data")
            pos = 0
            for _ in range(21):
                try:
                    offset = tarfile.nti(buf[pos : pos + 12])
                    numbytes = tarfile.nti(buf[pos + 12 : pos + 24])
                except ValueError:
                    break
                if offset and numbytes:
                    structs.append((offset, numbytes))
                pos += 24
            isextended = bool(buf[504])
        self.sparse = structs
        self.offset_data = tar.fileobj.tell()
        tar.offset = self.offset_data + self._block(self.size)
        self.size = origsize
        return self


class BoundedTarFile(tarfile.TarFile):
    """A read-only, forward-only TarFile whose headers are bounded (see the module's docstring)."""

    tarinfo = _BoundedTarInfo

    def __init__(self, fileobj: Any, deadline: float | None = None) -> None:
        self.hds_guard = _Guard(deadline)  # before __init__: it reads the first header
        super().__init__(fileobj=fileobj, mode="r")

    def next_member(self) -> tarfile.TarInfo | None:
        """The next member, or None at the end; tarfile's list of members is not kept."""
        member = self.next()
        self.members.clear()
        if member is not None:
            for text, what in ((member.name, "path"), (member.linkname, "link target")):
                if len(text.encode("utf-8", "surrogateescape")) > MAX_NAME:
                    raise UnsafeMember(f"member {text[:200]!r}…: its {what} is longer than {MAX_NAME} bytes")
        return member

    def check_time(self) -> None:
        self.hds_guard.check_time()
