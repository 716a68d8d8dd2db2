"""Documents behind an attestation: hashed (SHA-256), and kept in a content-addressed folder
beside the store (`<store>.documents/sha256/<hash>`) so the evidence an auditor asks for is the
very file that was attested; above a size limit only a reference (path) and the hash are kept."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from controlplane.errors import InputError

MAX_STORED_BYTES = 25 * 1024 * 1024
"""Larger files are referenced (path + hash), not copied."""
DOCUMENTS_ENV = "HDS_DOCUMENTS"


def documents_dir(store_location: str, explicit: str | None = None) -> Path | None:
    """Where documents are kept: `explicit` (or HDS_DOCUMENTS), else beside a SQLite store
    file; None for a database URL without a folder (documents are then only referenced)."""
    chosen = explicit or os.environ.get(DOCUMENTS_ENV)
    if chosen:
        return Path(chosen)
    if "://" in store_location:
        if store_location.startswith("sqlite:///"):
            return Path(store_location.removeprefix("sqlite:///") + ".documents")
        return None
    return Path(store_location + ".documents")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def inspect(paths: list[Path], option: str = "--document") -> list[tuple[Path, str, int]]:
    """Hash every document before anything is stored: an unreadable one is bad input."""
    if not paths:
        raise InputError.single(option, "", "at least one document is required")
    out = []
    for path in paths:
        if not path.is_file():
            raise InputError.single(option, "", f"{path}: no such file")
        try:
            out.append((path, sha256_file(path), path.stat().st_size))
        except OSError as exc:
            raise InputError.single(option, "", f"{path}: cannot read: {exc.strerror}") from None
    return out


def keep(inspected: list[tuple[Path, str, int]], folder: Path | None) -> list[dict[str, Any]]:
    """Copy each document into `folder` (content-addressed, written once), or reference it."""
    records: list[dict[str, Any]] = []
    for path, digest, size in inspected:
        record: dict[str, Any] = {"name": path.name, "sha256": digest, "size": size}
        if folder is not None and size <= MAX_STORED_BYTES:
            dest = folder / "sha256" / digest
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_suffix(".part")
                shutil.copyfile(path, tmp)
                if sha256_file(tmp) != digest:
                    tmp.unlink()
                    raise InputError.single("--document", "", f"{path} changed while it was being stored")
                tmp.replace(dest)
                dest.chmod(0o444)
            record["stored_as"] = f"sha256/{digest}"
        else:
            record["reference"] = str(path.resolve())
        records.append(record)
    return records


def check_stored(folder: Path | None, documents: list[dict[str, Any]]) -> list[str]:
    """Problems with the stored copies of an attestation's documents (missing, altered)."""
    problems = []
    for doc in documents:
        where = doc.get("stored_as")
        path = (folder / where) if (folder is not None and where) else Path(doc.get("reference") or "")
        if not where and not doc.get("reference"):
            continue
        if not path.is_file():
            problems.append(f"{doc['name']}: document not found at {path}")
        elif sha256_file(path) != doc["sha256"]:
            problems.append(f"{doc['name']}: content differs from the attested SHA-256 {doc['sha256'][:12]}")
    return problems
