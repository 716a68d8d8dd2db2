"""The evidence store on SQLAlchemy Core: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from controlplane.errors import InputError
from controlplane.results import CheckResult
from controlplane.store import schema
from controlplane.store.chain import GENESIS, canonical_json, record_hash

DEFAULT_STORE = "hds-evidence.sqlite"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: str
    finished_at: str | None
    status: str
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


class EvidenceStore:
    """Append-only store of runs and results. One writer per run; results buffered and
    committed in batches so a sweep streams to disk without holding the fleet in memory."""

    BATCH = 500

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._buffer: list[dict[str, Any]] = []
        self._heads: dict[str, str] = {}
        self._seq: dict[str, int] = {}

    @classmethod
    def open(cls, location: str, create: bool = True) -> EvidenceStore:
        try:
            url = make_url(store_url(location))
        except ArgumentError:
            raise InputError.single("--store", "", "not a valid store URL") from None
        is_sqlite = url.get_backend_name() == "sqlite"
        if is_sqlite and url.database and not create and not Path(url.database).exists():
            raise InputError.single("--store", "", f"no evidence store at {url.database}")
        if is_sqlite and url.database:
            parent = Path(url.database).parent
            if not parent.is_dir():
                raise InputError.single("--store", "", f"directory {parent} does not exist")
        engine = create_engine(url, future=True)
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            schema.metadata.create_all(engine)
            if is_sqlite:
                with engine.begin() as conn:
                    for ddl in schema.SQLITE_APPEND_ONLY:
                        conn.execute(ddl)
        except OperationalError as exc:
            raise InputError.single("--store", "", f"cannot open store: {exc.orig}") from None
        return cls(engine)

    def close(self) -> None:
        self.flush()
        self.engine.dispose()

    # -- writing --------------------------------------------------------------------------
    def begin_run(self, run: RunRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(schema.runs).values(
                    run_id=run.run_id,
                    started_at=run.started_at,
                    finished_at=None,
                    status=run.status,
                    tool_version=run.tool_version,
                    catalog_digest=run.catalog_digest,
                    config_digest=run.config_digest,
                    filters=canonical_json(run.filters),
                    tenants=canonical_json(run.tenants),
                    planned=run.planned,
                    counts=None,
                )
            )
            self._heads = self._load_heads(conn, run.tenants)
        self._seq[run.run_id] = 0

    def _load_heads(self, conn: Any, tenants: Sequence[str]) -> dict[str, str]:
        heads: dict[str, str] = {}
        r = schema.results
        for tenant in tenants:
            row = conn.execute(
                select(r.c.record_hash).where(r.c.tenant == tenant).order_by(r.c.id.desc()).limit(1)
            ).first()
            heads[tenant] = row[0] if row else GENESIS
        return heads

    def add(self, result: CheckResult) -> None:
        seq = self._seq[result.run_id]
        self._seq[result.run_id] = seq + 1
        record = result.as_dict()
        record["seq"] = seq
        prev = self._heads.get(result.tenant, GENESIS)
        digest = record_hash(prev, record)
        self._heads[result.tenant] = digest
        self._buffer.append(
            {
                "run_id": result.run_id,
                "seq": seq,
                "tenant": result.tenant,
                "control": result.control,
                "check_id": result.check,
                "target_kind": result.target_kind,
                "target": result.target,
                "resource": result.resource,
                "status": str(result.status),
                "message": result.message,
                "evidence": canonical_json(record["evidence"]),
                "hds_activities": canonical_json(record["hds_activities"]),
                "iso27001": canonical_json(record["iso27001"]),
                "started_at": result.started_at,
                "duration_ms": record["duration_ms"],
                "plugin": result.plugin,
                "plugin_version": result.plugin_version,
                "prev_hash": prev,
                "record_hash": digest,
            }
        )
        if len(self._buffer) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        with self.engine.begin() as conn:
            conn.execute(insert(schema.results), rows)

    def finish_run(self, run_id: str, status: str, finished_at: str, counts: dict[str, int]) -> None:
        self.flush()
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(status=status, finished_at=finished_at, counts=canonical_json(counts))
            )

    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def _run(row: Any) -> RunRecord:
        return RunRecord(
            run_id=row.run_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            tool_version=row.tool_version,
            catalog_digest=row.catalog_digest,
            config_digest=row.config_digest,
            filters=json.loads(row.filters),
            tenants=json.loads(row.tenants),
            planned=row.planned,
            counts=json.loads(row.counts) if row.counts else None,
        )

    def list_runs(self, limit: int = 20, tenant: str | None = None) -> list[RunRecord]:
        q = select(schema.runs).order_by(schema.runs.c.started_at.desc(), schema.runs.c.run_id.desc())
        with self.engine.connect() as conn:
            runs = [self._run(row) for row in conn.execute(q)]
        if tenant is not None:
            runs = [r for r in runs if tenant in r.tenants]
        return runs[:limit]

    def get_run(self, run_id: str) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.runs).where(schema.runs.c.run_id == run_id)).first()
        return self._run(row) if row else None

    def results(self, run_id: str, tenant: str | None = None) -> Iterator[dict[str, Any]]:
        r = schema.results
        q = select(r).where(r.c.run_id == run_id)
        if tenant is not None:
            q = q.where(r.c.tenant == tenant)
        with self.engine.connect() as conn:
            for row in conn.execute(q.order_by(r.c.seq)):
                yield {
                    "run_id": row.run_id,
                    "seq": row.seq,
                    "tenant": row.tenant,
                    "control": row.control,
                    "check": row.check_id,
                    "target_kind": row.target_kind,
                    "target": row.target,
                    "resource": row.resource,
                    "status": row.status,
                    "message": row.message,
                    "evidence": json.loads(row.evidence),
                    "hds_activities": json.loads(row.hds_activities),
                    "iso27001": json.loads(row.iso27001),
                    "started_at": row.started_at,
                    "duration_ms": row.duration_ms,
                    "plugin": row.plugin,
                    "plugin_version": row.plugin_version,
                    "prev_hash": row.prev_hash,
                    "record_hash": row.record_hash,
                }

    def count_results(self, run_id: str) -> int:
        r = schema.results
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(r.c.run_id == run_id)).scalar_one())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
