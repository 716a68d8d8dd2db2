"""The fleet file's `store:` key: where every command finds the evidence store without --store.

Why in the fleet file: after `hdsctl run -c hds.yaml`, `runs list`, `evidence verify` and
`report` must read the same store without each repeating --store. A relative SQLite path is
relative to the fleet file, so it means the same store from any working directory. A URL with a
password is refused: fleet files are committed and mounted from ConfigMaps; HDS_STORE (from a
Secret) carries credentials.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from controlplane.errors import InputError
from controlplane.yamlfile import load_yaml


def check_store_setting(value: str | None) -> str | None:
    if value is None or "://" not in value:
        return value
    try:
        password = urlsplit(value).password
    except ValueError:
        raise ValueError("not a valid URL") from None
    if password:
        raise ValueError("a store URL with a password does not belong in the fleet file: set HDS_STORE from a Secret")
    return value


def resolve_store_setting(value: str, fleet_file: Path) -> str:
    """A URL as is; a SQLite path relative to the fleet file's folder."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else fleet_file.parent / path)


def store_from_fleet_file(fleet_file: Path) -> str | None:
    """The `store:` of `fleet_file` if the file exists and sets one. A malformed value is an input
    error (file, field, reason); a malformed rest of the file is left to the command that uses it."""
    if not fleet_file.is_file():
        return None
    try:
        raw = load_yaml(fleet_file, str(fleet_file))
    except InputError:
        return None
    value = raw.get("store") if isinstance(raw, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError.single(str(fleet_file), "store", "must be a SQLite path or an SQLAlchemy URL")
    try:
        check_store_setting(value)
    except ValueError as exc:
        raise InputError.single(str(fleet_file), "store", str(exc)) from None
    return resolve_store_setting(value, fleet_file)


__all__ = ["check_store_setting", "resolve_store_setting", "store_from_fleet_file"]
