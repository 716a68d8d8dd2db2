"""Where an exported object lands on disk. A key is hostile input: `../x`, `/etc/x`, `a//b`, a NUL,
a control character or a 1,000-byte segment must never write outside the destination nor fail the
export. A key that is a plain relative path keeps its name (what the client expects to find);
any other key, or one that collides with an earlier one (`a` then `a/b`), is written under
`_keys/<sha256 of the key>` and the inventory says which key it holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

HASHED_DIR = "_keys"
MAX_SEGMENT = 200
MAX_KEY = 900


def plain_relative(key: str) -> bool:
    if not key or len(key) > MAX_KEY or key.startswith("/") or key.endswith("/"):
        return False
    parts = key.split("/")
    return all(
        p and p not in (".", "..") and len(p.encode()) <= MAX_SEGMENT and p.isprintable() and p != HASHED_DIR
        for p in parts
    )


def object_path(bucket_dir: Path, key: str) -> Path:
    """A new file path under `bucket_dir` for `key`; never outside it, never an existing entry."""
    if plain_relative(key):
        path = bucket_dir.joinpath(*key.split("/"))
        parents = [bucket_dir / p for p in path.relative_to(bucket_dir).parents if str(p) != "."]
        if not path.exists() and not any(p.is_file() for p in parents):
            path.parent.mkdir(parents=True, exist_ok=True)
            return path
    hashed = bucket_dir / HASHED_DIR / hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    hashed.parent.mkdir(parents=True, exist_ok=True)
    return hashed
