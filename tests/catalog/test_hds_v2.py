"""HDS v2 requirements as a second framework, and the mapping corrections of issue 16."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from controlplane.catalog import ControlKind, builtin_catalog_dir, load_catalog
from controlplane.catalog.frameworks import framework_rows
from controlplane.cli.main import cli
from controlplane.errors import InputError
from controlplane.plugins import build_registry


def test_exi_01_to_31_each_evidenced_by_at_least_one_control():
    catalog = load_catalog()
    assert list(catalog.hds_requirements) == [f"EXI-{n:02d}" for n in range(1, 32)]
    unmapped = [e for e in catalog.hds_requirements if not catalog.controls_for_requirement(e)]
    assert unmapped == []


def test_only_publicly_confirmed_requirements_are_marked_verified():
    reqs = load_catalog().hds_requirements
    assert [r.id for r in reqs.values() if r.verified] == ["EXI-28", "EXI-29", "EXI-30", "EXI-31"]
    assert {r.chapter for r in reqs.values() if 17 <= int(r.id[4:]) <= 27} == {6}


def test_requirements_no_software_can_check_have_attested_controls():
    catalog = load_catalog()
    for exi in ("EXI-05", "EXI-06", "EXI-14", "EXI-22", "EXI-17", "EXI-19", "EXI-20", "EXI-27", "EXI-29", "EXI-31"):
        kinds = {c.kind for c in catalog.controls_for_requirement(exi)}
        assert ControlKind.attested in kinds, exi
    pra = catalog.controls["GOV-11"]
    assert pra.kind is ControlKind.attested and pra.validity_days == 365
    assert {"A.5.29", "A.5.30"} <= set(pra.iso27001)


def test_every_control_evidences_some_hds_requirement():
    catalog = load_catalog()
    assert [c.id for c in catalog.controls.values() if not c.hds_v2] == []


def test_issue_16_mapping_corrections():
    c = load_catalog().controls
    assert "A.8.15" in c["S3-07"].iso27001
    assert set(c["K8S-08"].iso27001) == {"A.5.15", "A.5.18"}
    assert set(c["K8S-13"].iso27001) == set(c["S3-10"].iso27001) == {"A.5.23", "A.5.34"}
    assert set(c["K8S-13"].hds_v2) == set(c["S3-10"].hds_v2) == {"EXI-28"}
    assert set(c["K8S-13"].hds_activities) <= set(c["S3-10"].hds_activities)
    assert "A.5.30" in c["BKP-02"].iso27001 and "A.5.29" not in c["BKP-02"].iso27001
    assert 6 in c["S3-08"].hds_activities
    for cid in ("S3-05", "S3-11", "S3-12", "S3-13"):
        assert set(c[cid].hds_activities) == {3, 4, 5, 6}, cid


def test_controls_list_json_names_the_plugin_that_runs_each_check():
    registry = build_registry()
    out = CliRunner().invoke(cli, ["controls", "list", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.output)}
    assert rows["PG-01"]["plugin"] == "postgresql"  # its own plugin since issue 19
    for row in rows.values():
        if row["check"]:
            assert row["plugin"] == registry.checks[row["check"]].plugin, row["id"]
    assert rows["S3-10"]["hds_v2"] == ["EXI-28"]


def test_controls_list_framework_hds_and_iso():
    runner = CliRunner()
    out = runner.invoke(cli, ["controls", "list", "--framework", "hds", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert len(rows) == 31 and rows[27]["id"] == "EXI-28"
    assert {"S3-10", "K8S-13"} <= set(rows[27]["automated"])
    out = runner.invoke(cli, ["controls", "list", "--framework", "iso27001"])
    assert out.exit_code == 0
    assert out.output.count("\nA.") == 93
    assert len(framework_rows(load_catalog(), "iso27001")) == 93


def test_unknown_exi_reference_names_file_and_field(tmp_path: Path):
    dest = tmp_path / "controls"
    shutil.copytree(builtin_catalog_dir(), dest, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    path = dest / "tls.yaml"
    text = path.read_text()
    path.write_text(text.replace("hds_v2: [EXI-05, EXI-18]", "hds_v2: [EXI-05, EXI-99]", 1))
    with pytest.raises(InputError) as exc:
        load_catalog(base_dir=dest)
    p = exc.value.problems[0]
    assert (p.file.endswith("tls.yaml"), p.field, p.reason) == (
        True,
        "controls[0].hds_v2[1]",
        "unknown HDS v2 requirement 'EXI-99'",
    )


def test_missing_requirement_is_refused(tmp_path: Path):
    dest = tmp_path / "controls"
    shutil.copytree(builtin_catalog_dir(), dest, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    path = dest / "hds_v2.yaml"
    path.write_text(path.read_text().replace("id: EXI-31", "id: EXI-30", 1))
    with pytest.raises(InputError, match="EXI-01 to EXI-31"):
        load_catalog(base_dir=dest)
