"""`hdsctl` as an operator uses it: real console script, real TLS endpoints, real SQLite."""

from __future__ import annotations

import json
import sqlite3

import yaml

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet
from tests.support.governance import attest_all


def test_controls_list_json_gives_ids_activities_and_iso():
    proc = hdsctl("controls", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    controls = {c["id"]: c for c in json.loads(proc.stdout)}
    tls01 = controls["TLS-01"]
    assert tls01["plugin"] == "tls"
    assert tls01["severity"] == "high"
    assert tls01["hds_activities"] == [3, 4, 5]
    assert tls01["iso27001"] == ["A.8.24", "A.8.20", "A.8.21"]
    assert tls01["title"].startswith("Le point d'accès")


def test_controls_show_gives_crosswalk():
    proc = hdsctl("controls", "show", "TLS-02", "--format", "json")
    data = json.loads(proc.stdout)
    assert data["iso27001_2013"]["A.8.24"] == ["A.10.1.1", "A.10.1.2"]
    bad = hdsctl("controls", "show", "NOPE-01")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "hdsctl: error: CONTROL_ID: unknown control 'NOPE-01'"


def test_plugins_list_shows_builtin_tls_with_version_and_checks():
    data = {p["name"]: p for p in json.loads(hdsctl("plugins", "list", "--format", "json").stdout)}
    assert data["tls"]["version"] == "0.1.0"
    assert data["tls"]["distribution"] == "hds-controlplane"
    assert "tls.certificate_expiry" in data["tls"]["checks"]


def test_run_json_document_and_exit_code_1_on_failures(tls_fleet, tmp_path):
    store = tmp_path / "ev.sqlite"
    proc = hdsctl("run", "-c", str(tls_fleet), "--store", str(store), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "completed" and doc["run_id"]
    results = doc["results"]
    assert {r["tenant"] for r in results} == {"alpha", "beta"}
    keys = {"tenant", "control", "target", "resource", "status", "message", "evidence", "hds_activities", "iso27001"}
    assert all(keys <= set(r) for r in results)
    alpha = [r for r in results if r["tenant"] == "alpha" and r["control"].startswith("TLS-")]
    assert {r["status"] for r in alpha} == {"pass"}
    assert all(r["hds_activities"] == [4, 5] and r["evidence"] for r in alpha)
    beta = {r["control"]: r["status"] for r in results if r["tenant"] == "beta"}
    assert beta["TLS-03"] == "fail" and beta["TLS-04"] == "fail"
    assert doc["counts"]["fail"] == sum(r["status"] == "fail" for r in results)


def test_run_exit_0_when_all_pass_and_summary_table(tls_fleet, tmp_path):
    store = tmp_path / "ev.sqlite"
    attest_all(tls_fleet, store)  # its attested controls (GOV-xx, K8S-15) vouched for
    proc = hdsctl("run", "-c", str(tls_fleet), "--store", str(store), "--tenant", "alpha")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if line.startswith("alpha"))
    # 5 TLS + 14 attested; activity 5 also has TRC-04 (attested review of staff accesses)
    assert row.split() == ["alpha", "-", "-", "-", "19/0/0", "20/0/0", "-"]
    assert not any(line.startswith("beta") for line in lines)
    assert f"Evidence stored in {store}" in proc.stdout


def test_runs_list_and_show(tls_fleet, tmp_path):
    store = str(tmp_path / "ev.sqlite")
    first = json.loads(hdsctl("run", "-c", str(tls_fleet), "--store", store, "--format", "json").stdout)
    listed = json.loads(hdsctl("runs", "list", "--store", store, "--format", "json").stdout)
    assert [r["run_id"] for r in listed] == [first["run_id"]]
    assert listed[0]["counts"]["pass"] == first["counts"]["pass"]
    shown = hdsctl("runs", "show", first["run_id"], "--store", store, "--tenant", "beta", "--format", "json")
    assert shown.returncode == 1
    assert {r["tenant"] for r in json.loads(shown.stdout)["results"]} == {"beta"}
    table = hdsctl("runs", "show", first["run_id"], "--store", store)
    assert "Failures" in table.stdout and "TLS-04" in table.stdout and "Fix first" in table.stdout


def _assert_refused(proc, store, expected_line):
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [expected_line]
    assert "Traceback" not in proc.stderr
    assert not store.exists()


def test_unknown_tenant_or_control_is_one_line_exit_2_and_writes_nothing(tls_fleet, tmp_path):
    store = tmp_path / "ev.sqlite"
    _assert_refused(
        hdsctl("run", "-c", str(tls_fleet), "--store", str(store), "--tenant", "gamma"),
        store,
        f"hdsctl: error: --tenant: unknown tenant 'gamma' in {tls_fleet}",
    )
    _assert_refused(
        hdsctl("run", "-c", str(tls_fleet), "--store", str(store), "--control", "TLS-99"),
        store,
        "hdsctl: error: --control: unknown control 'TLS-99'",
    )
    _assert_refused(
        hdsctl("run", "-c", str(tls_fleet), "--store", str(store), "--shard", "3/3"),
        store,
        "hdsctl: error: --shard: '3/3': need 0 <= I < N",
    )


def test_broken_config_is_one_line_exit_2_and_writes_nothing(tmp_path):
    cfg = write_fleet(
        tmp_path / "hds.yaml", [tenant("a", [4], {"tls": [{"name": "x", "host": "h", "port": 0}]}), tenant("b", [42])]
    )
    store = tmp_path / "ev.sqlite"
    _assert_refused(
        hdsctl("run", "-c", str(cfg), "--store", str(store)),
        store,
        f"hdsctl: error: {cfg}: tenants[0].targets.tls[0].port: Input should be greater than or equal to 1"
        " (and 1 more problem)",
    )


def test_config_validate_lists_every_problem(tmp_path):
    cfg = write_fleet(
        tmp_path / "hds.yaml", [tenant("a", [4], {"tls": [{"name": "x", "host": "h", "port": 0}]}), tenant("b", [42])]
    )
    proc = hdsctl("config", "validate", str(cfg))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{cfg}: tenants[0].targets.tls[0].port: Input should be greater than or equal to 1",
        f"{cfg}: tenants[1].activities[0]: Input should be less than or equal to 6",
    ]
    ok = write_fleet(tmp_path / "ok.yaml", [tenant("a", [4], {"tls": [{"name": "x", "host": "h"}]})])
    good = hdsctl("config", "validate", str(ok))
    assert good.returncode == 0 and "valid (1 tenants, 1 targets)" in good.stdout


def test_inline_secret_is_refused(tmp_path):
    # The clock plugin below has no secret field; use the SecretRef model directly through a fleet
    # file of the fault plugin is not possible in a subprocess, so check the model's own message.
    import pytest
    from pydantic import ValidationError

    from controlplane.secrets import SecretRef

    with pytest.raises(ValidationError, match="inline secret values are not allowed"):
        SecretRef.model_validate("AKIAREALLYSECRET")


def test_config_schema_is_json_schema(tmp_path):
    out = tmp_path / "schema.json"
    assert hdsctl("config", "schema", "-o", str(out)).returncode == 0
    schema = json.loads(out.read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    assert "tenants" in schema["properties"]


def test_shards_through_the_cli_cover_the_fleet_once(tmp_path):
    ids = [f"t{i:02d}" for i in range(30)]
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant(t, [5]) for t in ids])
    seen: list[str] = []
    for i in range(3):
        attest_all(cfg, tmp_path / f"s{i}.sqlite")
        proc = hdsctl(
            "run", "-c", str(cfg), "--store", str(tmp_path / f"s{i}.sqlite"), "--shard", f"{i}/3", "--format", "json"
        )
        assert proc.returncode == 0, proc.stderr
        run = json.loads(hdsctl("runs", "list", "--store", str(tmp_path / f"s{i}.sqlite"), "--format", "json").stdout)
        seen += next(r for r in run if r["status"] == "completed")["tenants"]
    assert sorted(seen) == ids


def test_demo_runs_end_to_end(tmp_path):
    proc = hdsctl("demo", "--workdir", str(tmp_path / "demo"))
    assert proc.returncode == 1, proc.stderr  # two demo tenants are not compliant
    assert "clinique-sud" in proc.stdout and "labo-est" in proc.stdout
    store = tmp_path / "demo" / "hds-evidence.sqlite"
    with sqlite3.connect(store) as db:
        statuses = dict(
            db.execute(
                "SELECT tenant, group_concat(DISTINCT status) FROM results WHERE control LIKE 'TLS-%' GROUP BY tenant"
            )
        )
    assert statuses["clinique-sud"] == "pass"
    assert "fail" in statuses["labo-est"]
    fleet = yaml.safe_load((tmp_path / "demo" / "hds.yaml").read_text())
    assert [t["id"] for t in fleet["tenants"]] == ["clinique-sud", "hopital-nord", "labo-est"]
