"""Attestation register and attested controls in every run (issue 16, items 1 and 2)."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta

import pytest

from controlplane.governance import documents
from controlplane.runner import summarize
from tests.governance.conftest import Env, by_control, dump
from tests.support.governance import attest_all

T0 = "2026-03-01"


def test_without_attestation_attested_controls_are_missing_and_count_as_failing(env: Env):
    result = env.run(now=T0)
    assert result.exit_code == 1, dump(result)
    rows = by_control(env.latest_results())
    phy = rows[("clinique", "PHY-01")]
    assert phy["status"] == "fail" and phy["evidence"]["outcome"] == "missing"
    assert phy["message"].startswith("missing")
    # activities 1 and 2 are in the table like the others (before issue 16 they showed "-")
    line = next(x for x in result.output.splitlines() if x.startswith("clinique"))
    assert line.split()[1] != "-" and line.split()[2] != "-"
    assert line.split()[1].split("/")[1] != "0"


def test_a_site_attestation_covers_the_tenants_on_that_site_only(env: Env):
    out = env.attest("PHY-01", "--site", "dc-paris", now=T0)
    assert out.exit_code == 0, dump(out)
    assert "clinique" in out.output and "labo" not in out.output
    env.run(now="2026-03-02")
    rows = by_control(env.latest_results())
    clinique, labo = rows[("clinique", "PHY-01")], rows[("labo", "PHY-01")]
    assert clinique["status"] == "pass" and clinique["evidence"]["outcome"] == "valid"
    assert clinique["evidence"]["attested_by"] == "Claire Martin (RSSI)"
    assert clinique["evidence"]["documents"][0]["sha256"] == documents.sha256_file(env.doc)
    assert len(clinique["evidence"]["attestation_record"]) == 64
    assert labo["status"] == "fail" and labo["evidence"]["outcome"] == "missing"


def test_expiry_turns_the_control_to_expired_and_the_activity_to_failing(env: Env):
    attest_all(env.config, env.store)  # every attested control vouched for, valid from today
    today = json.loads(env.hdsctl("attestations", "list", "--store", str(env.store), "--format", "json").output)
    assert today and {r["outcome"] for r in today} == {"valid"}
    ok = env.run()
    assert ok.exit_code == 0, dump(ok)
    table = summarize(env.latest_results("clinique"))["clinique"]
    assert table[1]["fail"] == 0 and table[1]["pass"] > 0 and table[2]["fail"] == 0

    later = (date.today() + timedelta(days=400)).isoformat()  # PHY-01 is valid 365 days, GOV-09 1095
    expired = env.run(now=later)
    assert expired.exit_code == 1, dump(expired)
    rows = by_control(env.latest_results("clinique"))
    phy = rows[("clinique", "PHY-01")]
    assert phy["status"] == "fail" and phy["evidence"]["outcome"] == "expired"
    assert phy["message"].startswith("expired")
    table = summarize(env.latest_results("clinique"))["clinique"]
    assert table[1]["fail"] == 13 and table[1]["pass"] == 1  # only GOV-09 (a 3-year contract) still holds


def test_an_attestation_close_to_expiry_still_passes_but_is_listed_as_expiring(env: Env):
    out = env.attest("HW-02", "--tenant", "labo", "--valid-until", "2026-03-20", now=T0)
    assert out.exit_code == 0, dump(out)
    env.run(now="2026-03-05")
    hw = by_control(env.latest_results())[("labo", "HW-02")]
    assert hw["status"] == "pass" and hw["evidence"]["outcome"] == "expiring"
    assert hw["evidence"]["days_left"] == 15
    listed = env.hdsctl(
        "attestations", "list", "--store", str(env.store), "--expiring-within", "30d", "--format", "json",
        now="2026-03-05",
    )  # fmt: skip
    assert [(r["tenant"], r["control"], r["outcome"]) for r in json.loads(listed.output)] == [
        ("labo", "HW-02", "expiring")
    ]
    none = env.hdsctl(
        "attestations", "list", "--store", str(env.store), "--expiring-within", "10", "--format", "json",
        now="2026-03-05",
    )  # fmt: skip
    assert json.loads(none.output) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("PHY-01", "--tenant", "labo", "--valid-until", "2027-06-01"),
            "--valid-until: 2027-06-01 is past the 365-day",
        ),
        (
            ("PHY-01", "--tenant", "labo", "--valid-until", "2026-02-01"),
            "--valid-until: 2026-02-01 is not in the future",
        ),
        (("PHY-01", "--tenant", "labo", "--valid-until", "demain"), "--valid-until: 'demain' is not an ISO date"),
        (("PHY-99", "--tenant", "labo"), "CONTROL: unknown control 'PHY-99'"),
        (("TLS-01", "--tenant", "labo"), "CONTROL: TLS-01 is automated"),
        (("PHY-01", "--tenant", "nobody"), "--tenant: unknown tenant 'nobody'"),
        (("PHY-01", "--site", "dc-nowhere"), "--site: no tenant of"),
        (("PHY-01", "--tenant", "labo", "--all-tenants"), "give exactly one of --tenant, --all-tenants or --site"),
    ],
)
def test_bad_attestations_are_refused_with_one_line_and_nothing_stored(env: Env, args, expected):
    out = env.attest(*args, now=T0)
    assert out.exit_code == 2, dump(out)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert not env.store.exists()
    assert not (env.root / "ev.sqlite.documents").exists()


def test_a_missing_document_is_refused(env: Env):
    out = env.hdsctl(
        "attest", "PHY-01", "-c", str(env.config), "--store", str(env.store), "--tenant", "labo", "--by", "X",
        "--document", str(env.root / "absent.pdf"),
    )  # fmt: skip
    assert out.exit_code == 2 and "--document" in out.stderr and "no such file" in out.stderr
    assert not env.store.exists()


def test_documents_are_kept_content_addressed_and_large_ones_referenced(env: Env, monkeypatch):
    assert env.attest("PHY-02", "--tenant", "clinique", now=T0).exit_code == 0
    digest = documents.sha256_file(env.doc)
    kept = env.root / "ev.sqlite.documents" / "sha256" / digest
    assert kept.read_bytes() == env.doc.read_bytes()
    assert not kept.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)

    big = env.root / "plan-de-reprise.pdf"
    big.write_bytes(b"x" * 64)
    monkeypatch.setattr(documents, "MAX_STORED_BYTES", 32)
    out = env.hdsctl(
        "attest", "HW-01", "-c", str(env.config), "--store", str(env.store), "--tenant", "clinique", "--by", "X",
        "--document", str(big), now=T0,
    )  # fmt: skip
    assert out.exit_code == 0, dump(out)
    listed = json.loads(
        env.hdsctl("attestations", "list", "--store", str(env.store), "--format", "json", now=T0).output
    )
    hw = next(r for r in listed if r["control"] == "HW-01")
    assert hw["documents"][0]["reference"] == str(big.resolve()) and "stored_as" not in hw["documents"][0]

    # a kept copy altered afterwards is reported by --check-documents
    os.chmod(kept, 0o644)
    kept.write_bytes(b"forged")
    check = env.hdsctl("attestations", "list", "--store", str(env.store), "--check-documents", now=T0)
    assert check.exit_code == 1
    assert "content differs from the attested SHA-256" in check.stderr


def test_attestations_of_one_tenant_never_reach_another(env: Env):
    assert env.attest("GOV-09", "--tenant", "clinique", now=T0).exit_code == 0
    env.run(now="2026-03-02")
    rows = by_control(env.latest_results())
    assert rows[("clinique", "GOV-09")]["status"] == "pass"
    assert rows[("labo", "GOV-09")]["evidence"]["outcome"] == "missing"
    listed = json.loads(
        env.hdsctl("attestations", "list", "--store", str(env.store), "--tenant", "labo", "--format", "json").output
    )
    assert listed == []
