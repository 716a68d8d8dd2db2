"""A store made before seals covered the counts (no `seals.counts_digest` column) is upgraded in
place when opened, on SQLite and PostgreSQL: the column is added, its old seals keep verifying
(version 1), new seals are version 2, and the append-only triggers still hold."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from controlplane.evidence import generate_key, load_public_key, seal_run, verify_store
from controlplane.store import EvidenceStore
from controlplane.store.location import store_url
from tests.support.results import result, write_run


def drop_counts_column(location: str) -> None:
    engine = create_engine(store_url(location))
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # the triggers come back when the store is opened
            for name in ("seals_no_update", "seals_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("ALTER TABLE seals DROP COLUMN counts_digest")
    engine.dispose()


def test_an_older_store_is_upgraded_and_keeps_verifying(store_location, tmp_path):
    key, public, _ = generate_key(tmp_path / "k")
    store = EvidenceStore.open(store_location)
    write_run(store, "r1", [result("r1", "alpha", n) for n in range(2)])
    store.close()
    drop_counts_column(store_location)

    store = EvidenceStore.open(store_location, create=False)
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("seals")}
        assert "counts_digest" in columns
        seal_run(store, "r1", key)
        assert verify_store(store, public_key=load_public_key(public)).verdict == "sealed"
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE seals SET record_count = 0"))
    finally:
        store.close()
