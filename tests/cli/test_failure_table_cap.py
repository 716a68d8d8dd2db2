"""A first run of a large fleet has thousands of failures: the table shows the first ones and
says how many more there are (and where to find them), the JSON output has them all."""

from __future__ import annotations

from controlplane.cli.run_output import MAX_TABLE_ROWS, failure_table


def _rows(n: int):
    return ([f"t{i:05d}", "S3-01", "high", "s3", f"bucket-{i}", "fail", "not encrypted"] for i in range(n))


def test_long_failure_lists_are_cut_with_the_count_of_the_rest(capsys):
    failure_table("New failures", _rows(MAX_TABLE_ROWS + 37), "see the JSON output")
    out = capsys.readouterr().out.splitlines()
    shown = [line for line in out if line.startswith("t0")]
    assert shown[0].split()[0] == "t00000" and len(shown) == MAX_TABLE_ROWS
    assert out[-1] == "… and 37 more (see the JSON output)"


def test_short_lists_are_whole_and_empty_ones_print_nothing(capsys):
    failure_table("New failures", _rows(3), "hint")
    out = capsys.readouterr().out
    assert out.count("bucket-") == 3 and "more" not in out
    failure_table("New failures", _rows(0), "hint")
    assert capsys.readouterr().out == ""
