"""REV-01 judged at every run from the recorded reversibility tests (HDS_NOW moves the clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from controlplane.reversibility.control import months_before
from controlplane.store import EvidenceStore
from tests.reversibility.conftest import Env, dump


def rev01(env: Env, now: str) -> dict[str, dict[str, Any]]:
    out = env.hdsctl("run", "-c", str(env.config), "--store", str(env.store), "--control", "REV-01", now=now)
    assert out.exit_code in (0, 1), dump(out)
    with EvidenceStore.open(str(env.store), create=False) as store:
        run = next(r for r in store.list_runs(1000) if r.status == "completed")
        return {r["tenant"]: r for r in store.results(run.run_id) if r["control"] == "REV-01"}


def test_no_test_recorded_fails_as_missing(env: Env) -> None:
    got = rev01(env, "2026-03-01")
    assert got["clinique"]["status"] == "fail" and got["clinique"]["evidence"]["outcome"] == "missing"


def test_a_passing_test_holds_for_the_contracted_age_then_goes_stale(env: Env) -> None:
    out = env.reversibility("test", "--tenant", "clinique", "--full", now="2026-01-10")
    assert out.exit_code == 0, dump(out)
    fresh = rev01(env, "2026-12-01")["clinique"]
    assert fresh["status"] == "pass" and fresh["evidence"]["outcome"] == "valid"
    assert fresh["evidence"]["test_record"]
    stale = rev01(env, "2027-01-11")["clinique"]
    assert stale["status"] == "fail" and stale["evidence"]["outcome"] == "stale"
    assert "older than 12 months" in stale["message"]


def test_the_contract_sets_the_age(env: Env) -> None:
    env.tenants[0]["contract"]["reversibility_test_max_age_months"] = 3
    env.write_fleet()
    assert env.reversibility("test", "--tenant", "clinique", now="2026-01-10").exit_code == 0
    assert rev01(env, "2026-04-09")["clinique"]["status"] == "pass"
    assert rev01(env, "2026-04-11")["clinique"]["evidence"]["outcome"] == "stale"


def test_only_failed_tests_fail_the_control(env: Env) -> None:
    env.tenants[0]["targets"]["s3"][0]["buckets"].append({"name": "clinique-absent-bucket"})
    env.write_fleet()
    out = env.reversibility("test", "--tenant", "clinique", "--full", now="2026-01-10")
    assert out.exit_code == 1, dump(out)
    got = rev01(env, "2026-02-01")["clinique"]
    assert got["status"] == "fail" and got["evidence"]["outcome"] == "failed"


def test_no_reversibility_clause_is_not_applicable(env: Env) -> None:
    env.tenants[1]["contract"]["reversibility_clause"] = False
    env.write_fleet()
    got = rev01(env, "2026-02-01")
    assert got["labo"]["status"] == "not_applicable"
    assert got["clinique"]["status"] == "fail"


def test_one_tenants_test_never_counts_for_another(env: Env) -> None:
    assert env.reversibility("test", "--tenant", "labo", now="2026-01-10").exit_code == 0
    got = rev01(env, "2026-02-01")
    assert got["labo"]["status"] == "pass"
    assert got["clinique"]["evidence"]["outcome"] == "missing"


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [((2026, 3, 31), 1, (2026, 2, 28)), ((2026, 1, 15), 12, (2025, 1, 15)), ((2024, 5, 31), 3, (2024, 2, 29))],
)
def test_months_before_counts_calendar_months(moment: tuple[int, int, int], months: int, expected: tuple) -> None:
    assert months_before(datetime(*moment, tzinfo=UTC), months).date() == datetime(*expected).date()
