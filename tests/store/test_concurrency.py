"""Several runners appending to one store: a tenant's chain must stay one list, never a tree.

The store takes a per-tenant lock around "read chain head, hash, insert" (BEGIN IMMEDIATE on
SQLite, pg_advisory_xact_lock on PostgreSQL); without it these tests fail on the unique
(tenant, prev_hash) index or on verification.
"""

from __future__ import annotations

import threading

import pytest

import hds_tls
from controlplane.evidence import verify_store
from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from hds_tls.demo.local_server import LocalCA, LocalTlsServer
from tests.support.fleet import tenant, write_fleet
from tests.support.results import begin, now, result

TLS_CONTROLS = [f"TLS-0{n}" for n in range(1, 6)]


def _run_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def test_two_writers_appending_to_one_tenant_keep_a_single_chain(store_location):
    stores = [EvidenceStore.open(store_location) for _ in range(2)]
    barrier = threading.Barrier(2, timeout=60)

    def writer(store: EvidenceStore, run_id: str):
        def write():
            store.BATCH = 3  # flush every 3 results: many head reads racing each other
            begin(store, run_id, ["alpha"])
            for batch in range(15):
                barrier.wait()  # both writers flush at the same moment
                for n in range(3):
                    store.add(result(run_id, "alpha", batch * 3 + n))
            store.finish_run(run_id, "completed", now(), {"pass": 45})

        return write

    try:
        errors = _run_threads([writer(stores[0], "run-a"), writer(stores[1], "run-b")])
        assert not errors, errors
        chain = list(stores[0].chain("alpha"))
        assert len(chain) == 90
        assert len({r["prev_hash"] for r in chain}) == 90
        assert {r["run_id"] for r in chain} == {"run-a", "run-b"}
        assert verify_store(stores[0]).ok
    finally:
        for s in stores:
            s.close()


@pytest.fixture(scope="module")
def tls_registry():
    return build_registry(load_entrypoints=False, extra_plugins=[("tls", hds_tls)])


def test_two_concurrent_sweeps_on_one_store_then_verify(store_location, tmp_path, tls_registry):
    ca = LocalCA(tmp_path / "tls")
    cert = ca.issue("portail", ["portail.test"])
    with LocalTlsServer(cert) as server:
        target = {
            "name": "portail",
            "host": server.host,
            "port": server.port,
            "server_name": "portail.test",
            "ca_bundle": str(ca.ca_path),
        }
        config = write_fleet(
            tmp_path / "hds.yaml",
            [tenant(t, [3, 4, 5], {"tls": [target | {"name": f"portail-{t}"}]}) for t in ("alpha", "beta")],
            {"workers": 2, "collect_timeout_s": 10, "check_timeout_s": 5, "retries": 0},
        )
        prepared = prepare(config, control_ids=TLS_CONTROLS, registry=tls_registry)
        stores = [EvidenceStore.open(store_location) for _ in range(2)]
        outcomes = []

        def sweep(store: EvidenceStore):
            def run():
                store.BATCH = 2
                outcomes.append(execute(prepared, store))

            return run

        try:
            errors = _run_threads([sweep(stores[0]), sweep(stores[1])])
            assert not errors, errors
            assert len(outcomes) == 2
            check = EvidenceStore.open(store_location, create=False)
            try:
                verification = verify_store(check)
                assert verification.ok, verification.as_dict()
                for t in ("alpha", "beta"):
                    chain = list(check.chain(t))
                    assert len(chain) == 10  # 5 TLS controls x 2 runs
                    assert len({r["prev_hash"] for r in chain}) == 10
                assert sorted(check.count_results(o.run_id) for o in outcomes) == [10, 10]
            finally:
                check.close()
        finally:
            for s in stores:
                s.close()
