"""The core's own witness: a local append-only file of chain heads (`file:///path/witness.jsonl`).

One JSON line per head, each naming the SHA-256 of the line before it (`prev`; 64 zeros for the
first), appended under an exclusive `flock` and fsync'd before `hdsctl run` reports success. Editing
or deleting a line in the middle breaks the next line's `prev`; deleting the last lines does not
show by itself, but the heads they held are gone from the file only if its writer can write it.

Limit, stated plainly: this file protects the evidence only against a writer who cannot write
*this file* — put it on another host or volume (an NFS export, a `chattr +a` file, a log shipper's
spool) that the store's writer can append to but not rewrite. An attacker who can rewrite both the
store and the file can rewrite history consistently. The S3 Object Lock witness (`s3://`, plugin
hds_s3) is the one whose entries nobody can delete before their retention date.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Collection, Sequence
from pathlib import Path

from controlplane.errors import InputError
from controlplane.evidence.witness import WITNESS_FORMAT, ChainHead, WitnessContents, WitnessError, WitnessScheme
from controlplane.hookspecs import hookimpl
from controlplane.store.chain import GENESIS, canonical_json

MAX_LINE = 64 * 1024
"""A head is a few hundred bytes; a longer line is damage, not a head."""


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


class FileWitness:
    def __init__(self, url: str) -> None:
        raw = url[len("file://") :]
        if not raw:
            raise InputError.single("--witness", "", "file:// witness needs a path, e.g. file:///var/lib/hds/witness")
        self.path = Path(raw).expanduser()
        self.url = f"file://{self.path}"
        if not self.path.parent.is_dir():
            raise InputError.single("--witness", "", f"directory {self.path.parent} does not exist")

    def _last_line(self, fd: int) -> bytes | None:
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        start = max(0, size - MAX_LINE - 1)
        tail = os.pread(fd, size - start, start)
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        return lines[-1]

    def append(self, heads: Sequence[ChainHead]) -> None:
        if not heads:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WitnessError(self.url, f"cannot open: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # two runners appending never interleave their chains
            last = self._last_line(fd)
            prev = GENESIS if last is None else _line_hash(last)
            out = bytearray()
            for head in heads:
                line = canonical_json({"format": WITNESS_FORMAT, "prev": prev, "head": head.as_dict()}).encode()
                out += line + b"\n"
                prev = _line_hash(line)
            os.write(fd, bytes(out))
            os.fsync(fd)
        except OSError as exc:
            raise WitnessError(self.url, f"cannot append: {exc.strerror}") from None
        finally:
            os.close(fd)

    def read(self, tenants: Collection[str] | None = None) -> WitnessContents:
        contents = WitnessContents(self.url)
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            raise InputError.single("--witness", "", f"no witness file at {self.path}") from None
        except OSError as exc:
            raise WitnessError(self.url, f"cannot read: {exc.strerror}") from None
        prev = GENESIS
        with fh:
            for number, line in enumerate(iter(lambda: fh.readline(MAX_LINE + 1), b""), start=1):
                where = f"line {number} of {self.path}"
                if len(line) > MAX_LINE or not line.endswith(b"\n"):
                    contents.problems.append(f"{where} is cut or too long: the witness file was damaged")
                    break
                try:
                    entry = json.loads(line)
                    head = ChainHead.from_dict(entry["head"])
                    claimed = entry["prev"]
                except (ValueError, KeyError, TypeError) as exc:
                    contents.problems.append(f"{where} is not a witness entry ({exc}): the file was edited")
                    prev = _line_hash(line)
                    continue
                if claimed != prev:
                    contents.problems.append(
                        f"{where} does not follow the line before it: lines were edited, removed or inserted"
                    )
                prev = _line_hash(line)
                if tenants is None or head.tenant in tenants:
                    contents.heads.append(head)
        return contents


@hookimpl
def hds_witnesses() -> list[WitnessScheme]:
    return [WitnessScheme("file", FileWitness, "local append-only file of chain heads, hash-chained line by line")]
