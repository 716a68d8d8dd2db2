"""`hdsctl report`: every format written to a file, latest run by default, bad input exit 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from controlplane.cli.main import cli
from tests.support.sweeps import ALPHA, ALPHA_NAME, BETA


@pytest.mark.parametrize("fmt", ["html", "json", "oscal", "junit", "csv"])
def test_report_writes_each_format(swept, tmp_path, fmt):
    out = tmp_path / f"rapport.{fmt}"
    result = CliRunner().invoke(
        cli, ["report", "--store", str(swept.store_path), "--tenant", ALPHA, "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert swept.runs[1] in text
    assert BETA not in text


def test_report_uses_the_fleet_file_for_name_and_activities(swept, tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--store",
            str(swept.store_path),
            "--tenant",
            ALPHA,
            "--format",
            "json",
            "-o",
            str(out),
            "-c",
            str(swept.config_path),
            "--run",
            swept.runs[0],
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["tenant"] == {"id": ALPHA, "name": ALPHA_NAME, "activities": [3, 4, 5, 6]}
    assert doc["run"]["run_id"] == swept.runs[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "inconnu"], "no run covers tenant 'inconnu'"),
        (["--tenant", ALPHA, "--run", "nope"], "no run 'nope'"),
        (["--tenant", ALPHA, "--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_report_bad_input_exits_2(swept, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["report", "--store", str(swept.store_path), "-o", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.output
