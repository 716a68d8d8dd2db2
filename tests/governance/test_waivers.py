"""Waivers (issue 16, item 3): accepted risks from waivers.yaml or `hdsctl waive`, stored as
evidence, marking the failures they cover without changing their status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from controlplane.governance.waivers import Active, Waiver, mark
from controlplane.results import CheckResult, Status
from controlplane.store import EvidenceStore
from tests.governance.conftest import Env, by_control, dump
from tests.support.governance import attest_all

T0 = "2026-03-01"

WAIVER = {
    "id": "W-2026-001",
    "tenant": "clinique",
    "control": "PHY-01",
    "justification": "Audit du nouveau datacenter planifié en avril, rapport attendu en mai.",
    "compensating_measure": "Accès au site escorté et journalisé par l'hébergeur.",
    "requested_by": "Paul Durand (exploitation)",
    "approved_by": "Claire Martin (RSSI)",
    "approved_on": "2026-02-15",
    "expires": "2026-06-30",
    "risk_id": "R-12",
}


def write_waivers(env: Env, *waivers: dict) -> Path:
    path = env.config.parent / "waivers.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "waivers": list(waivers)}), encoding="utf-8")
    return path


@pytest.fixture
def waived(env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    """clinique alone, every attested control vouched for except PHY-01, which a waiver covers."""
    env.config.write_text(
        yaml.safe_dump({"version": 1, "tenants": [yaml.safe_load(env.config.read_text())["tenants"][0]]}),
        encoding="utf-8",
    )
    with monkeypatch.context() as m:
        m.setenv("HDS_NOW", T0)
        attest_all(env.config, env.store, skip=("PHY-01",))
    write_waivers(env, WAIVER)
    return env


def waiver_runs(env: Env) -> list:
    store = EvidenceStore.open(str(env.store), create=False)
    try:
        return [r for r in store.list_runs(1000) if r.filters.get("kind") == "waiver"]
    finally:
        store.close()


def test_a_run_whose_only_failure_is_waived_exits_0_and_keeps_the_status(waived: Env):
    out = waived.run(now="2026-03-10")
    assert out.exit_code == 0, dump(out)
    assert "Waived: 1 failure covered by W-2026-001" in out.output
    phy = by_control(waived.latest_results())[("clinique", "PHY-01")]
    assert phy["status"] == "fail"  # the observed status is kept
    note = phy["evidence"]["waiver"]
    assert note["id"] == "W-2026-001" and note["approved_by"] == "Claire Martin (RSSI)" and note["risk_id"] == "R-12"
    # the waiver itself is a record of the tenant's chain, and the waived result points at it
    store = EvidenceStore.open(str(waived.store), create=False)
    try:
        record = store.find_record("clinique", note["record"])
    finally:
        store.close()
    assert record is not None and record["target_kind"] == "waiver" and record["resource"] == "W-2026-001"
    assert record["evidence"]["waiver"]["approved_by"] == "Claire Martin (RSSI)"


def test_strict_keeps_a_waived_failure_failing(waived: Env):
    out = waived.run("--strict", now="2026-03-10")
    assert out.exit_code == 1, dump(out)
    assert "--strict" in out.output


def test_an_expired_waiver_stops_applying_and_says_so(waived: Env):
    out = waived.run(now="2026-07-01")
    assert out.exit_code == 1, dump(out)
    assert "expired waivers no longer applied: W-2026-001" in out.stderr
    phy = by_control(waived.latest_results())[("clinique", "PHY-01")]
    assert "waiver" not in phy["evidence"] and phy["evidence"]["waiver_expired"]["id"] == "W-2026-001"


def test_a_waiver_is_recorded_once_and_again_when_it_changes(waived: Env):
    waived.run(now="2026-03-10")
    waived.run(now="2026-03-11")
    assert len(waiver_runs(waived)) == 1
    write_waivers(waived, {**WAIVER, "compensating_measure": "Accès escorté, journalisé et revu chaque semaine."})
    waived.run(now="2026-03-12")
    assert len(waiver_runs(waived)) == 2


def test_a_waiver_never_applies_to_an_error_nor_to_a_pass():
    waiver = Waiver.model_validate({**WAIVER, "control": "TLS-01"})
    active = [Active(waiver, "a" * 64)]
    base = dict(
        run_id="r", tenant="clinique", control="TLS-01", check="tls.x", target_kind="tls", target="portail",
        resource="", message="m", evidence={"x": 1}, hds_activities=(5,), iso27001=("A.8.24",), started_at="t",
        duration_ms=0.0, plugin="tls", plugin_version="1",
    )  # fmt: skip
    moment = datetime(2026, 3, 10, tzinfo=UTC)
    for status in (Status.error, Status.passed, Status.not_applicable):
        result = CheckResult(status=status, **base)
        assert mark(result, active, moment) is result
    failed = mark(CheckResult(status=Status.failed, **base), active, moment)
    assert failed.status is Status.failed and failed.evidence["waiver"]["id"] == "W-2026-001"
    other = CheckResult(status=Status.failed, **{**base, "tenant": "labo"})
    assert mark(other, active, moment) is other  # another tenant's failure is never covered


BAD = [
    ({"approved_by": "paul durand (exploitation)"}, "waivers[0].approved_by", "must differ from requested_by"),
    ({"expires": "2027-03-01"}, "waivers[0].expires", "more than 12 months after approved_on"),
    ({"control": "PHY-77"}, "waivers[0].control", "unknown control 'PHY-77'"),
    ({"tenant": "inconnu"}, "waivers[0].tenant", "unknown tenant 'inconnu'"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD)
def test_a_bad_waivers_file_is_refused_by_config_validate_and_run(env: Env, change, field, reason):
    path = write_waivers(env, {**WAIVER, **change})
    check = env.hdsctl("config", "validate", str(env.config), now=T0)
    assert check.exit_code == 2
    [line] = check.stderr.strip().splitlines()
    assert line.startswith(f"{path}: {field}: ") and reason in line, line
    out = env.run(now=T0)
    assert out.exit_code == 2, dump(out)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and field in lines[0] and reason in lines[0], lines
    assert not env.store.exists()


WAIVE = [
    ("--approved-by", "Paul Durand (exploitation)", "--approved-by", "must differ from requested_by"),
    ("--expires", "2027-06-01", "--expires", "more than 12 months after approved_on"),
    ("--control", "PHY-77", "--control", "unknown control 'PHY-77'"),
]


def waive_args(env: Env, **override: str) -> list[str]:
    args = {
        "--tenant": "clinique",
        "--control": "PHY-01",
        "--justification": WAIVER["justification"],
        "--compensating-measure": WAIVER["compensating_measure"],
        "--requested-by": WAIVER["requested_by"],
        "--approved-by": WAIVER["approved_by"],
        "--approved-on": "2026-02-15",
        "--expires": "2026-06-30",
        "--id": "W-CLI-1",
        **override,
    }
    flat = ["waive", "-c", str(env.config), "--store", str(env.store)]
    for k, v in args.items():
        flat += [k, v]
    return flat


@pytest.mark.parametrize(("option", "value", "field", "reason"), WAIVE)
def test_hdsctl_waive_refuses_bad_input_with_one_line_and_writes_nothing(env: Env, option, value, field, reason):
    out = env.hdsctl(*waive_args(env, **{option: value}), now=T0)
    assert out.exit_code == 2, dump(out)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hdsctl: error: hdsctl waive: {field}: "), lines
    assert reason in lines[0]
    assert not env.store.exists() and not (env.config.parent / "waivers.yaml").exists()


def test_hdsctl_waive_adds_to_the_reviewed_file_and_records_evidence(waived: Env):
    (waived.config.parent / "waivers.yaml").unlink()
    out = waived.hdsctl(*waive_args(waived), "--format", "json", now=T0)
    assert out.exit_code == 0, dump(out)
    made = json.loads(out.output)
    assert made["id"] == "W-CLI-1" and len(made["record_hash"]) == 64
    assert waived.hdsctl("config", "validate", str(waived.config), now=T0).exit_code == 0
    listed = json.loads(waived.hdsctl("waivers", "list", "-c", str(waived.config), "--format", "json", now=T0).output)
    assert [(w["id"], w["state"]) for w in listed] == [("W-CLI-1", "current")]
    run = waived.run(now="2026-03-10")
    assert run.exit_code == 0, dump(run)
    phy = by_control(waived.latest_results())[("clinique", "PHY-01")]
    assert phy["evidence"]["waiver"]["record"] == made["record_hash"]  # the very record `waive` stored
    assert len(waiver_runs(waived)) == 1
