"""The evidence commands work on a PostgreSQL store given by URL, as on SQLite."""

from __future__ import annotations

from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.results import Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run


def test_seal_and_verify_on_postgresql(postgres_server, tmp_path):
    url = postgres_server.url(postgres_server.create_database())
    store = EvidenceStore.open(url)
    write_run(store, "r1", [result("r1", t, n) for n in range(3) for t in ("alpha", "beta")])
    store.close()
    runner = CliRunner()
    assert runner.invoke(cli, ["evidence", "keygen", "-o", str(tmp_path / "k")]).exit_code == 0
    sealed = runner.invoke(cli, ["evidence", "seal", "--store", url, "--run", "r1", "--key", str(tmp_path / "k")])
    assert sealed.exit_code == 0, sealed.output
    verified = runner.invoke(cli, ["evidence", "verify", "--store", url, "--public-key", str(tmp_path / "k.pub")])
    assert verified.exit_code == 0, verified.output
    assert "alpha: SEALED — 3 records" in verified.output and "beta: SEALED — 3 records" in verified.output


def test_tampering_a_postgresql_store_is_caught(postgres_server):
    """A database administrator can disable the triggers; the chain still gives them away."""
    database = postgres_server.create_database()
    url = postgres_server.url(database)
    store = EvidenceStore.open(url)
    write_run(store, "r1", [result("r1", "alpha", n, status=Status.failed) for n in range(3)])
    altered = list(store.results("r1", "alpha"))[1]
    store.close()
    postgres_server.psql(
        "ALTER TABLE results DISABLE TRIGGER USER; "
        f"UPDATE results SET status = 'pass' WHERE run_id = 'r1' AND seq = {altered['seq']}",
        database,
    )
    out = CliRunner().invoke(cli, ["evidence", "verify", "--store", url])
    assert out.exit_code == 1
    assert f"alpha: TAMPERED — altered: record run r1 seq {altered['seq']}" in out.output
