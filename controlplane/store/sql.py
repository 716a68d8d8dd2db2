"""The evidence store on SQLAlchemy Core: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from controlplane.errors import InputError
from controlplane.results import CheckResult, RunStatus
from controlplane.secrets import redact, remember
from controlplane.store import lease, schema
from controlplane.store.chain import canonical_json, hash_body, record_body
from controlplane.store.engine import lock_chains, make_engine, write_transaction
from controlplane.store.faults import StoreFault, classify, note_store
from controlplane.store.health import on_read_only_fs, open_immutable, prepare_store, sqlite_integrity
from controlplane.store.location import DEFAULT_STORE, RunRecord, describe_location, store_url
from controlplane.store.rows import (
    chain_heads,
    check_findings_key,
    insert_results,
    list_json,
    record_from_row,
    stream_results,
)

__all__ = ["DEFAULT_STORE", "EvidenceStore", "RunRecord", "describe_location", "store_url"]


class EvidenceStore:
    """Append-only store of runs, results and seals. Results are buffered and written in batches
    so a sweep streams to disk without holding the fleet in memory; each batch is chained onto
    the tenant's current head under a per-tenant lock (see `store.engine`), so several runners
    may share one store without forking a tenant's chain."""

    BATCH = 500

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._buffer: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self._seq: dict[str, int] = {}
        self._heartbeat = lease.Heartbeat(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, location: str, create: bool = True, integrity: str | None = None) -> EvidenceStore:
        """Open (and with `create`, create) a store. A file that is not an evidence store is bad
        input (exit 2: a foreign SQLite database is never written into); a store that cannot be
        read or written safely raises `StoreFault` (exit 3). `integrity` ("quick" or "full") runs
        SQLite's quick_check or integrity_check first and refuses a corrupted store."""
        try:
            url = make_url(store_url(location))
        except ArgumentError:
            raise InputError.single("--store", "", "not a valid store URL") from None
        if url.password:
            remember(str(url.password))  # scrubbed from anything stored or printed later
        where = describe_location(location)
        note_store(where)
        is_sqlite = url.get_backend_name() == "sqlite"
        if is_sqlite and url.database and not create and not Path(url.database).exists():
            raise InputError.single("--store", "", f"no evidence store at {url.database}")
        if is_sqlite and url.database:
            parent = Path(url.database).parent
            if not parent.is_dir():
                raise InputError.single("--store", "", f"directory {parent} does not exist")
        try:
            engine = make_engine(url)
        except (ModuleNotFoundError, NoSuchModuleError) as exc:
            hint = " (install hds-controlplane[postgresql])" if url.get_backend_name() == "postgresql" else ""
            raise InputError.single("--store", "", f"no database driver for {url.drivername}: {exc}{hint}") from None
        try:
            prepare_store(engine, create, where, integrity)
        except (OperationalError, ProgrammingError, DatabaseError) as exc:
            engine.dispose()
            fault = classify(exc, where)
            if isinstance(fault, StoreFault) and is_sqlite and url.database and on_read_only_fs(url.database):
                if create:
                    raise StoreFault(where, "the store is on a read-only filesystem: nothing can be written") from None
                return cls(open_immutable(url.database, where, integrity))
            if isinstance(fault, StoreFault) and not is_sqlite:
                raise InputError.single("--store", "", f"cannot open store {where}: {fault.reason}") from None
            if fault is not None:
                raise fault from None
            reason = redact(str(exc.orig).strip().splitlines()[0]) if exc.orig else type(exc).__name__
            raise InputError.single("--store", "", f"cannot open store {where}: {reason}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        """`with EvidenceStore.open(...) as store:` flushes and closes even when the block raises."""
        self.close()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._heartbeat.stop()
            self.engine.dispose()

    def integrity_problems(self, full: bool = True) -> list[str]:
        """SQLite's own check of the file (b-trees, pages, indexes; `quick_check` skips the
        index-content part): the messages it gives, empty when the file is sound. PostgreSQL has
        no equivalent here (its data checksums and `pg_amcheck` are the server's business)."""
        if self.dialect != "sqlite":
            return []
        return sqlite_integrity(self.engine, full)

    def lease_of(self, run_id: str) -> lease.LeaseView | None:
        """The lease row of a run, if any, as `evidence verify` reports it."""
        with self.engine.connect() as conn:
            return lease.describe_lease(conn, run_id)

    def chain_lengths(self, tenants: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        """Each tenant's chain length and head hash, read in one snapshot: what a witness anchors."""
        from controlplane.store.rows import chain_lengths

        with self.engine.connect() as conn, conn.begin():
            return chain_lengths(conn, tenants)

    @property
    def location(self) -> str:
        """Where the store is, for messages (no password)."""
        url = self.engine.url
        return (url.database or ":memory:") if self.dialect == "sqlite" else url.render_as_string(hide_password=True)

    # -- writing --------------------------------------------------------------------------
    def begin_run(self, run: RunRecord, exclusive: bool = False) -> None:
        """Record a new run and take its lease (see `store.lease`): with `exclusive`, refuse
        (`RunInProgress`) while another live run covers any of its tenants."""
        with write_transaction(self.engine) as conn:
            lease.acquire(conn, run.run_id, run.tenants, exclusive, self.location)
            conn.execute(
                insert(schema.runs).values(
                    run_id=run.run_id,
                    started_at=run.started_at,
                    finished_at=None,
                    status=str(run.status),
                    tool_version=run.tool_version,
                    catalog_digest=run.catalog_digest,
                    config_digest=run.config_digest,
                    filters=canonical_json(run.filters),
                    tenants=canonical_json(run.tenants),
                    planned=run.planned,
                    counts=None,
                )
            )
        self._seq[run.run_id] = 0
        self._heartbeat.add(run.run_id)

    def continue_run(self, run_id: str, exclusive: bool = False) -> None:
        """Take over a run begun by a process that died (resume): take its lease, mark it running
        again and number new results after its last stored one."""
        r = schema.results
        with write_transaction(self.engine) as conn:
            tenants = conn.execute(select(schema.runs.c.tenants).where(schema.runs.c.run_id == run_id)).scalar_one()
            lease.acquire(conn, run_id, json.loads(tenants), exclusive, self.location)
            last = conn.execute(select(func.max(r.c.seq)).where(r.c.run_id == run_id)).scalar()
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(status=RunStatus.running.value, finished_at=None, counts=None)
            )
        self._seq[run_id] = 0 if last is None else int(last) + 1
        self._heartbeat.add(run_id)

    def drop_last_check(self, run_id: str) -> None:
        """Forget the unflushed findings of the run's last check. Called when a run is cut short:
        the interruption may have come while that check's findings were being added, and a resume
        re-runs every check without stored findings, so a check is stored whole or not at all."""
        buffer = self._buffer
        if not buffer or buffer[-1][2]["run_id"] != run_id:
            return
        key = check_findings_key(buffer[-1][2])
        while buffer and check_findings_key(buffer[-1][2]) == key:
            buffer.pop()

    def add(self, result: CheckResult) -> None:
        seq = self._seq[result.run_id]
        self._seq[result.run_id] = seq + 1
        evidence = canonical_json(result.evidence)
        activities = list_json(result.hds_activities)
        iso27001 = list_json(result.iso27001)
        duration_ms = round(result.duration_ms, 3)  # as CheckResult.as_dict() gives it
        row = {
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
            "evidence": evidence,
            "hds_activities": activities,
            "iso27001": iso27001,
            "started_at": result.started_at,
            "duration_ms": duration_ms,
            "plugin": result.plugin,
            "plugin_version": result.plugin_version,
        }
        if len(self._buffer) >= self.BATCH and check_findings_key(self._buffer[-1][2]) != check_findings_key(row):
            self.flush()  # between checks only: a check's findings are stored together (resume relies on it)
        # The record's canonical JSON (what its hash covers) is built here, once, from the same
        # encoded strings as the columns; only the chaining onto the head waits for the flush.
        self._buffer.append((result.tenant, record_body(result, seq, evidence, activities, iso27001, duration_ms), row))

    def flush(self) -> None:
        """Chain the buffered results onto each tenant's head and insert them, atomically."""
        if not self._buffer:
            return
        pending, self._buffer = self._buffer, []
        try:
            with write_transaction(self.engine) as conn:
                tenants = {tenant for tenant, _, _ in pending}
                lock_chains(conn, tenants)
                heads = chain_heads(conn, tenants)
                for tenant, body, row in pending:
                    prev = heads[tenant]
                    row["prev_hash"] = prev
                    row["record_hash"] = heads[tenant] = hash_body(prev, body)
                insert_results(conn, [row for _, _, row in pending])
        except BaseException:
            self._buffer = pending + self._buffer  # nothing was written: keep it for a retry
            raise

    def finish_run(self, run_id: str, status: RunStatus, finished_at: str, counts: dict[str, int]) -> None:
        self.flush()
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(status=str(status), finished_at=finished_at, counts=canonical_json(counts))
            )
            lease.release(conn, run_id)
        self._heartbeat.discard(run_id)

    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def _run(row: Any) -> RunRecord:
        return RunRecord(
            run_id=row.run_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=RunStatus(row.status),
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
            runs = lease.with_liveness(conn, [self._run(row) for row in conn.execute(q)])
        if tenant is not None:
            runs = [r for r in runs if tenant in r.tenants]
        return runs[:limit]

    def get_run(self, run_id: str) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.runs).where(schema.runs.c.run_id == run_id)).first()
            return lease.with_liveness(conn, [self._run(row)])[0] if row else None

    def results(self, run_id: str, tenant: str | None = None) -> Iterator[dict[str, Any]]:
        if tenant is None:
            rows = stream_results(self.engine, "run_id = ?", (run_id,), "seq")
        else:
            # One tenant's results of a run: through the (run, tenant) index. SQLite would otherwise
            # walk the whole run in seq order for each tenant (drift, sealing and reports ask for
            # every tenant in turn: quadratic in the fleet size).
            where = "run_id = ? AND tenant = ?"
            rows = stream_results(self.engine, where, (run_id, tenant), "seq", "ix_results_run")
        for row in rows:
            yield record_from_row(row)

    def count_results(self, run_id: str) -> int:
        r = schema.results
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(r.c.run_id == run_id)).scalar_one())

    def count_records(self) -> int:
        """Every record of every tenant: how much work a whole-store verification is."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.results)).scalar_one())

    def status_counts(self, run_id: str, tenant: str) -> dict[str, int]:
        """One tenant's results in a run, by status (a run's own counts cover every tenant)."""
        r = schema.results
        q = select(r.c.status, func.count()).where(r.c.run_id == run_id, r.c.tenant == tenant).group_by(r.c.status)
        with self.engine.connect() as conn:
            return {str(status): int(n) for status, n in conn.execute(q)}

    def chain(self, tenant: str) -> Iterator[dict[str, Any]]:
        """A tenant's whole chain in chain order (insertion order), each record with its row id.
        Streamed: a long history is never held in memory."""
        for row in stream_results(self.engine, "tenant = ?", (tenant,), "id"):
            record = record_from_row(row)
            record["row_id"] = row[0]
            yield record

    def chain_integrity(self, tenant: str) -> Iterator[dict[str, Any]]:
        """A tenant's chain in chain order as light records: `run_id`, `seq`, `row_id`, `control`,
        `target`, `prev_hash`, `record_hash`, and `intact` (the record still matches its hash).
        What `verify` walks, at a tenth of the cost of hashing `chain()`'s records (see
        `store.integrity`)."""
        from controlplane.store.integrity import chain_integrity

        return chain_integrity(self.engine, tenant)

    def find_record(self, tenant: str, digest: str) -> dict[str, Any] | None:
        """The tenant's record whose hash is `digest`, if any (to explain a broken link)."""
        for row in stream_results(self.engine, "tenant = ? AND record_hash = ?", (tenant, digest), "id"):
            record = record_from_row(row)
            record["row_id"] = row[0]
            return record
        return None

    def tenants(self) -> list[str]:
        """Every tenant with evidence in the store."""
        r = schema.results
        with self.engine.connect() as conn:
            return sorted(t for (t,) in conn.execute(select(r.c.tenant).distinct()))

    def latest_run(self, tenant: str) -> RunRecord | None:
        runs = self.list_runs(1, tenant)
        return runs[0] if runs else None

    def previous_run(self, tenant: str, run_id: str) -> RunRecord | None:
        """The tenant's most recent *completed* run started before `run_id`: what its trend and
        drift compare with (an interrupted run is not a baseline)."""
        current = self.get_run(run_id)
        if current is None:
            return None
        for run in self.list_runs(10_000_000, tenant):
            if run.run_id != run_id and run.status == RunStatus.completed and run.started_at <= current.started_at:
                return run
        return None

    # -- seals ----------------------------------------------------------------------------
    def add_seals(self, seals: Sequence[dict[str, Any]]) -> None:
        """Store seals (one per run and tenant); a second seal for the same pair is refused."""
        if not seals:
            return
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(schema.seals), [dict(s) for s in seals])
        except IntegrityError:
            run_id = seals[0]["run_id"]
            raise InputError.single("--run", "", f"run {run_id} is already sealed") from None

    def seals(self, tenant: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
        s = schema.seals
        q = select(s).order_by(s.c.id)
        if tenant is not None:
            q = q.where(s.c.tenant == tenant)
        if run_id is not None:
            q = q.where(s.c.run_id == run_id)
        with self.engine.connect() as conn:
            return [{c: getattr(row, c) for c in SEAL_COLUMNS} | {"seal_id": row.id} for row in conn.execute(q)]


SEAL_COLUMNS = (
    "run_id",
    "tenant",
    "record_count",
    "first_record_hash",
    "last_record_hash",
    "sealed_at",
    "key_id",
    "public_key",
    "signature",
    "counts_digest",
)
