"""An outside plugin, installed as a distribution with an `hds.plugins` entry point, adds a
target kind, a check and a control without any change to the core."""

from __future__ import annotations

import json

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet
from tests.support.outside_plugin import write_outside_plugin


def test_outside_plugin_is_discovered_listed_and_run(tmp_path):
    site = write_outside_plugin(tmp_path / "site")
    env = {"PYTHONPATH": str(site)}
    plugins = {p["name"]: p for p in json.loads(hdsctl("plugins", "list", "--format", "json", env=env).stdout)}
    assert plugins["clock"]["version"] == "1.2.3"
    assert plugins["clock"]["distribution"] == "hds-clock-plugin"
    assert plugins["clock"]["checks"] == ["clock.offset"]

    controls = {c["id"]: c for c in json.loads(hdsctl("controls", "list", "--format", "json", env=env).stdout)}
    assert controls["CLK-01"]["iso27001"] == ["A.8.17"]

    cfg = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("a", [5], {"clock": [{"name": "ntp", "offset_ms": 12}]}),
            tenant(
                "b", [5], {"clock": [{"name": "ntp", "offset_ms": 900}]}, parameters={"CLK-01": {"max_offset_ms": 1000}}
            ),
            tenant("c", [5], {"clock": [{"name": "ntp", "offset_ms": 900}]}),
        ],
    )
    proc = hdsctl(
        "run",
        "-c",
        str(cfg),
        "--store",
        str(tmp_path / "ev.sqlite"),
        "--control",
        "CLK-01",
        "--format",
        "json",
        env=env,
    )
    results = {r["tenant"]: r for r in json.loads(proc.stdout)["results"]}
    assert {t: r["status"] for t, r in results.items()} == {"a": "pass", "b": "pass", "c": "fail"}
    assert results["a"]["plugin"] == "clock" and results["a"]["plugin_version"] == "1.2.3"
    assert proc.returncode == 1


def test_broken_plugin_catalog_is_one_line_exit_2_and_writes_nothing(tmp_path):
    site = write_outside_plugin(tmp_path / "site", iso="A.8.99")
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("a", [5])])
    store = tmp_path / "ev.sqlite"
    proc = hdsctl("run", "-c", str(cfg), "--store", str(store), env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2
    catalog_file = site / "hds_clock_plugin" / "controls.yaml"
    assert proc.stderr.splitlines() == [
        f"hdsctl: error: {catalog_file}: controls[0].iso27001[0]: unknown ISO 27001:2022 control 'A.8.99'"
    ]
    assert not store.exists()
