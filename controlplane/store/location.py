"""Where a store is and what a run is: the parts of the store's API that need no database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from controlplane.results import RunStatus

DEFAULT_STORE = "hds-evidence.sqlite"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: str
    finished_at: str | None
    status: RunStatus
    tool_version: str
    catalog_digest: str
    config_digest: str
    filters: dict[str, Any]
    tenants: list[str]
    planned: int
    counts: dict[str, int] | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def store_url(location: str) -> str:
    """A bare path means SQLite; anything with '://' is an SQLAlchemy URL."""
    if "://" in location:
        return location
    return f"sqlite:///{Path(location).expanduser()}"


def describe_location(location: str) -> str:
    """Where the store is, for humans, without any password the URL may hold."""
    try:
        url = make_url(store_url(location))
    except ArgumentError:
        return "<invalid store URL>"
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)
