"""`hdsctl audit`: French features executed on a real sweep, for a compliant and a
non-compliant tenant; every line of the evidence document traces back to a stored record."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from controlplane.audit.features import GOVERNANCE_TAGS, feature_files, scenario_tags
from controlplane.catalog import load_catalog
from controlplane.plugins import build_registry
from controlplane.store import EvidenceStore
from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet


@pytest.fixture
def audited(tmp_path, tls_server, ca):
    good = tls_server("audit-good", ["good.test"])
    bad = tls_server("audit-bad", ["other.test"], days_valid=5)

    def target(server, name):
        return {
            "name": "web",
            "host": "127.0.0.1",
            "port": server.port,
            "server_name": name,
            "ca_bundle": str(ca.ca_path),
        }

    cfg = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("clinique-sud", [4, 5], {"tls": [target(good, "good.test")]}),
            tenant("labo-est", [4], {"tls": [target(bad, "bad.test")]}),
            tenant("sauvegarde-seule", [6]),
        ],
    )
    store = tmp_path / "ev.sqlite"
    out = tmp_path / "audit"
    proc = hdsctl(
        "audit",
        "-c",
        str(cfg),
        "--store",
        str(store),
        "--tenant",
        "clinique-sud",
        "--tenant",
        "labo-est",
        "--tenant",
        "sauvegarde-seule",
        "-o",
        str(out),
    )
    return proc, out, store


def scenario_statuses(cucumber):
    out = {}
    for feature in cucumber:
        for el in feature["elements"]:
            tenant_id = re.search(r"\[(.+)\]$", el["id"]).group(1)
            control = next(
                t["name"].lstrip("@") for t in el["tags"] if not t["name"].lstrip("@").startswith(("HDS-", "ISO-"))
            )
            statuses = {s["result"]["status"] for s in el["steps"]}
            out[(tenant_id, control)] = (
                "failed" if "failed" in statuses else "skipped" if "skipped" in statuses else "passed"
            )
    return out


def test_audit_statuses_per_tenant_and_control(audited):
    proc, out, _ = audited
    assert proc.returncode == 1, proc.stdout + proc.stderr
    statuses = scenario_statuses(json.loads((out / "cucumber.json").read_text()))
    tls = [f"TLS-0{i}" for i in range(1, 6)]
    assert all(statuses[("clinique-sud", c)] == "passed" for c in tls)
    assert statuses[("labo-est", "TLS-03")] == "failed"  # wrong name
    assert statuses[("labo-est", "TLS-04")] == "failed"  # expires in 5 days
    assert statuses[("labo-est", "TLS-01")] == "passed"
    assert all(statuses[("sauvegarde-seule", c)] == "skipped" for c in tls)  # activity 6 only: not applicable


def test_evidence_document_traces_every_scenario_to_stored_records(audited):
    _, out, store_path = audited
    html = (out / "preuves.html").read_text()
    assert "Dossier de preuves" in html and 'lang="fr"' in html
    store = EvidenceStore.open(str(store_path), create=False)
    [run] = store.list_runs()
    hashes = {r["record_hash"]: r for r in store.results(run.run_id)}
    store.close()
    shown = set(re.findall(r"<code>([0-9a-f]{64})</code>", html))
    tls_hashes = {h for h, r in hashes.items() if r["control"].startswith("TLS-")}
    assert tls_hashes <= shown  # every TLS record of the run appears in the document
    assert shown - {run.catalog_digest, run.config_digest} <= set(hashes)  # and nothing else is invented
    assert "Activité HDS 4" in html and "ISO/IEC 27001:2022 A.8.24 — Utilisation de la cryptographie" in html
    assert "Use of cryptography" not in html  # French ISO titles in the French evidence document
    assert "sans traduction" in html  # and it says which text stays as the plugins wrote it
    assert "certificate does not cover bad.test" in html
    assert "non applicable" in html


def test_tags_select_scenarios(tmp_path, tls_server, ca):
    server = tls_server("audit-tags", ["good.test"])
    cfg = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant(
                "a",
                [4],
                {
                    "tls": [
                        {
                            "name": "web",
                            "host": "127.0.0.1",
                            "port": server.port,
                            "server_name": "good.test",
                            "ca_bundle": str(ca.ca_path),
                        }
                    ]
                },
            )
        ],
    )
    proc = hdsctl(
        "audit",
        "-c",
        str(cfg),
        "--store",
        str(tmp_path / "s.sqlite"),
        "--tenant",
        "a",
        "--tags",
        "@TLS-02,@TLS-04",
        "-o",
        str(tmp_path / "out"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cucumber = json.loads((tmp_path / "out" / "cucumber.json").read_text())
    names = [el["name"] for f in cucumber for el in f["elements"]]
    assert len(names) == 2 and all(n.startswith(("TLS-02", "TLS-04")) for n in names)


def test_audit_unknown_tenant_is_input_error(tmp_path):
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("a", [4])])
    proc = hdsctl(
        "audit", "-c", str(cfg), "--store", str(tmp_path / "s.sqlite"), "--tenant", "zz", "-o", str(tmp_path / "o")
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"hdsctl: error: --tenant: unknown tenant 'zz' in {cfg}"
    assert not (tmp_path / "s.sqlite").exists()


def test_every_automated_control_has_a_scenario_and_every_tag_is_real():
    registry = build_registry()
    catalog = load_catalog(registry.catalog_files)
    scenarios = [s for path in feature_files() for s in scenario_tags(path)]
    assert scenarios
    covered = {c for s in scenarios for c in s.controls}
    missing = {c.id for c in catalog.automated()} - covered
    assert not missing, f"controls without a scenario: {sorted(missing)}"
    for s in scenarios:
        where = f"{s.feature}:{s.line}"
        assert s.controls or set(s.tags) & GOVERNANCE_TAGS, f"{where} names no control"
        for c in s.controls:
            assert c in catalog.controls, f"{where}: unknown control tag @{c}"
            control = catalog.controls[c]
            assert set(s.activities) == set(control.hds_activities), (
                f"{where}: HDS tags differ from the catalog for {c}"
            )
            assert set(s.iso) == set(control.iso27001), f"{where}: ISO tags differ from the catalog for {c}"
            assert s.name.startswith(c), f"{where}: the scenario title must name its control"


def test_every_feature_is_french():
    for path in feature_files():
        assert path.read_text(encoding="utf-8").startswith("# language: fr\n"), path


def test_audit_across_plugins_on_the_demo_environment(tmp_path):
    """TLS servers, the S3 server and a Kubernetes snapshot at once: the compliant tenant holds
    every scenario, the badly configured one fails scenarios of every plugin."""
    # In a child process: moto keeps its buckets per process, and the demo's bucket names are fixed.
    script = f"""
import subprocess, sys
from pathlib import Path
from controlplane.demo import demo_environment
from controlplane.plugins import build_registry
from controlplane.demo.governance import record_demo_attestations
from controlplane.runner import prepare
with demo_environment(build_registry(), Path({str(tmp_path / "demo")!r})) as (_ctx, config):
    prepared = prepare(config)
    record_demo_attestations(prepared.catalog, prepared.fleet, {str(tmp_path / "ev.sqlite")!r}, Path({str(tmp_path)!r}))
    hdsctl = str(Path(sys.executable).with_name("hdsctl"))
    proc = subprocess.run([hdsctl, "audit", "-c", str(config), "--store", {str(tmp_path / "ev.sqlite")!r},
                           "--tenant", "clinique-sud", "--tenant", "labo-est", "-o", {str(tmp_path / "out")!r}],
                          capture_output=True, text=True, timeout=600)
sys.stdout.write(proc.stdout[-3000:]); sys.stderr.write(proc.stderr[-3000:])
sys.exit(proc.returncode)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    statuses = scenario_statuses(json.loads((tmp_path / "out" / "cucumber.json").read_text()))
    good = {c: s for (t, c), s in statuses.items() if t == "clinique-sud"}
    bad = {c: s for (t, c), s in statuses.items() if t == "labo-est"}
    assert "failed" not in good.values(), {c: s for c, s in good.items() if s == "failed"}
    for prefix in ("TLS-", "S3-", "K8S-"):
        assert any(s == "passed" for c, s in good.items() if c.startswith(prefix)), prefix
        assert any(s == "failed" for c, s in bad.items() if c.startswith(prefix)), prefix
    # the demo's Redfish pool (activity 2): clinique-sud contracts it and passes; labo-est does not contract it
    assert {s for c, s in good.items() if c.startswith("RF-")} == {"passed"}
    assert not any(c.startswith("RF-") and s != "skipped" for c, s in bad.items())
    html = (tmp_path / "out" / "preuves.html").read_text()
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"), create=False)
    [run] = [r for r in store.list_runs() if r.status == "completed"]  # the audit's sweep, not the attestations
    judged = {r["record_hash"] for r in store.results(run.run_id) if r["status"] != "not_applicable"}
    store.close()
    assert judged <= set(re.findall(r"<code>([0-9a-f]{64})</code>", html))
