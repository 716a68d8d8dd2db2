"""The status enums are pinned to the strings the store, the JSON reports and the evidence hold:
renaming a member is free, changing a value would break every store and bundle already written."""

from __future__ import annotations

import json
import sqlite3

from controlplane.results import FIX_FIRST, GRAVITY, RESULT_FR, STATUS_ORDER, RunStatus, Status
from controlplane.store import EvidenceStore
from tests.support.results import result, write_run


def test_result_statuses_keep_their_stored_values() -> None:
    assert {s.name: s.value for s in Status} == {
        "passed": "pass",
        "failed": "fail",
        "error": "error",
        "not_applicable": "not_applicable",
    }


def test_run_statuses_keep_their_stored_values() -> None:
    assert {s.name: s.value for s in RunStatus} == {
        "running": "running",
        "completed": "completed",
        "interrupted": "interrupted",
        "recorded": "recorded",
    }


def test_the_status_tables_cover_every_status_in_their_order() -> None:
    assert STATUS_ORDER == ("pass", "fail", "error", "not_applicable")
    assert sorted(FIX_FIRST, key=FIX_FIRST.__getitem__) == ["fail", "error", "pass", "not_applicable"]
    assert sorted(GRAVITY, key=GRAVITY.__getitem__, reverse=True) == ["error", "fail", "pass", "not_applicable"]
    assert set(RESULT_FR) == set(Status)
    assert RESULT_FR["fail"] == "non conforme"  # a stored string finds its label


def test_members_are_written_as_their_values() -> None:
    counts = dict.fromkeys(STATUS_ORDER, 0) | {"run": RunStatus.interrupted}
    assert json.dumps(counts) == '{"pass": 0, "fail": 0, "error": 0, "not_applicable": 0, "run": "interrupted"}'
    assert f"{Status.not_applicable}/{RunStatus.recorded}" == "not_applicable/recorded"


def test_the_store_writes_values_and_reads_members_back(tmp_path) -> None:
    location = str(tmp_path / "s.sqlite")
    with EvidenceStore.open(location) as store:
        write_run(store, "r1", [result("r1", "alpha", status=Status.failed)], status=RunStatus.completed)
        run = store.get_run("r1")
        (back,) = store.results("r1")
    assert run is not None and run.status is RunStatus.completed
    assert back["status"] == Status.failed
    with sqlite3.connect(location) as raw:
        assert raw.execute("SELECT status FROM runs").fetchall() == [("completed",)]
        assert raw.execute("SELECT status FROM results").fetchall() == [("fail",)]
