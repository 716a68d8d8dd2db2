"""Issue 18, item 3: what to fix first. Real TLS servers (one good tenant, one bad) and an S3
target whose secret is missing, through the real `hdsctl`: a severity column wherever results
are listed, `--severity` as a floor, the summary always ending with the failing controls ranked
by severity × tenants affected (even when nothing is new), identical errors on one line."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet
from tests.support.governance import attest_all

MISSING = "HDS_TEST_FIX_FIRST_MISSING_KEY"


@pytest.fixture
def fleet(tmp_path, tls_server, ca):
    good = tls_server("ff-good", ["good.test"])
    bad = tls_server("ff-bad", ["other.test"], days_valid=-1, not_before_days=30)

    def tls(server, name):
        return {
            "name": "web",
            "host": "127.0.0.1",
            "port": server.port,
            "server_name": name,
            "ca_bundle": str(ca.ca_path),
        }

    def s3(tid):
        return {
            "name": "stockage",
            "endpoint_url": "http://127.0.0.1:9",
            "region": "eu-west-3",
            "credentials": {"access_key_id": {"env": MISSING}, "secret_access_key": {"env": MISSING}},
            "buckets": [{"name": f"{tid}-data", "roles": ["data"]}],
        }

    config = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("alpha", [4, 5], {"tls": [tls(good, "good.test")], "s3": [s3("alpha")]}),
            tenant("beta", [4, 5], {"tls": [tls(bad, "bad.test")], "s3": [s3("beta")]}),
            tenant("gamma", [4], {"tls": [tls(bad, "bad.test")]}),
        ],
        {"workers": 4, "collect_timeout_s": 5, "check_timeout_s": 5},
    )
    attest_all(config, tmp_path / "ev.sqlite")  # the host's register: attested controls hold
    return config


def _catalog() -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(hdsctl("controls", "list", "--format", "json").stdout)}


def _latest_sweep(store: str) -> str:
    runs = json.loads(hdsctl("runs", "list", "--store", store, "--format", "json").stdout)
    return next(r["run_id"] for r in runs if r["status"] == "completed")  # not an attestation's record


def _section(stdout: str, title: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    return lines[start:]


def test_the_summary_ends_with_what_to_fix_first_even_when_nothing_is_new(fleet, tmp_path):
    store = str(tmp_path / "ev.sqlite")
    hdsctl("run", "-c", str(fleet), "--store", store)
    again = hdsctl("run", "-c", str(fleet), "--store", store, env={"COLUMNS": "160"})
    assert again.returncode == 1
    assert "0 new failures" in again.stdout
    fix = _section(again.stdout, "Fix first")
    assert fix[1].split()[:4] == ["Control", "Severity", "Tenants", "Failing"]
    ranked = [line.split()[:3] for line in fix[3:] if line[:1].isalnum()]
    catalog = _catalog()
    assert {r[0] for r in ranked} == {"TLS-02", "TLS-03", "TLS-04"}
    assert all(catalog[c]["severity"] == sev and tenants == "2" for c, sev, tenants in ranked)
    weights = {"low": 1, "medium": 2, "high": 4, "critical": 8}
    scores = [weights[sev] * int(tenants) for _c, sev, tenants in ranked]
    assert scores == sorted(scores, reverse=True)
    assert again.stdout.rstrip().splitlines()[-1] == fix[-1], "the fix-first table ends the output"


def test_one_missing_secret_is_one_line_with_the_count_and_the_cause(fleet, tmp_path):
    proc = hdsctl("run", "-c", str(fleet), "--store", str(tmp_path / "ev.sqlite"), env={"COLUMNS": "200"})
    errors = _section(proc.stdout, "Errors by cause")
    rows = [line for line in errors[3:] if line[:1].isdigit()]
    assert len(rows) == 1, errors
    count, tenants = rows[0].split()[:2]
    s3_controls = [c for c, v in _catalog().items() if v["plugin"] == "s3"]
    assert int(count) == 2 * len(s3_controls) and int(count) > 2
    assert tenants.startswith("alpha")
    assert MISSING in rows[0]
    assert f"environment variable {MISSING}" not in _section(proc.stdout, "Fix first")[0]


def test_severity_column_and_floor_on_run_and_runs_show(fleet, tmp_path):
    store = str(tmp_path / "ev.sqlite")
    catalog = _catalog()
    first = hdsctl("run", "-c", str(fleet), "--store", store, "--severity", "high", env={"COLUMNS": "200"})
    new = _section(first.stdout, "New failures (severity ≥ high)")
    assert new[1].split()[:3] == ["Tenant", "Control", "Severity"]
    listed = [line.split() for line in new[3:] if line.startswith(("beta", "gamma"))]
    assert listed and all(row[2] == catalog[row[1]]["severity"] in ("high", "critical") for row in listed)
    assert not any(row[1] == "TLS-04" for row in listed), "TLS-04 is medium"
    run_id = _latest_sweep(store)
    shown = hdsctl("runs", "show", run_id, "--store", store, env={"COLUMNS": "200"})
    failures = [line.split() for line in _section(shown.stdout, "Failures")[3:] if line.startswith(("beta", "gamma"))]
    assert {row[1] for row in failures} >= {"TLS-03", "TLS-04"}
    assert all(row[2] == catalog[row[1]]["severity"] for row in failures)
    doc = json.loads(hdsctl("runs", "show", run_id, "--store", store, "--severity", "high", "--format", "json").stdout)
    assert doc["results"] and all(r["severity"] in ("high", "critical") for r in doc["results"])
    assert doc["counts"]["fail"] > sum(r["status"] == "fail" for r in doc["results"]), "counts cover the whole run"
    assert doc["fix_first"][0]["control"] in ("TLS-02", "TLS-03")
    refused = hdsctl("runs", "show", run_id, "--store", store, "--severity", "urgent")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_the_activity_cells_say_what_they_count_and_lang_switches_titles(fleet, tmp_path):
    store = str(tmp_path / "ev.sqlite")
    proc = hdsctl("run", "-c", str(fleet), "--store", store, "--tenant", "gamma", env={"COLUMNS": "200"})
    assert "a result counts once in each activity it evidences" in proc.stdout
    title_fr = _catalog()["TLS-03"]["title"]
    title_en = _catalog()["TLS-03"]["title_en"]
    assert title_en in proc.stdout and title_fr not in proc.stdout
    run_id = _latest_sweep(store)
    french = hdsctl("runs", "show", run_id, "--store", store, env={"COLUMNS": "200", "HDS_LANG": "fr"})
    assert title_fr in french.stdout and title_en not in french.stdout
