"""Writers: a hostile field never becomes a formula, a tag or a forged row."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from controlplane.traces.record import ActorKind, TraceRecord
from controlplane.traces.writers import WRITERS

HOSTILE = TraceRecord(
    datetime(2026, 1, 1, tzinfo=UTC),
    '=HYPERLINK("http://x")',
    "s3://b/<script>alert(1)</script>",
    "GET",
    "200",
    "f:1",
    "10.0.0.1",
    ActorKind.staff,
    "Ève",
    "ops",
    "US",
    True,
)


def write(fmt: str) -> bytes:
    out = io.BytesIO()
    w = WRITERS[fmt](out, "T <b>")
    w.write(HOSTILE)
    w.close()
    return out.getvalue()


def test_csv_prefixes_formulas_and_keeps_accents():
    rows = list(csv.DictReader(io.StringIO(write("csv").decode("utf-8-sig"))))
    assert rows[0]["actor"].startswith("'=") and rows[0]["staff"] == "Ève" and rows[0]["outside_eea"] == "yes"


def test_html_escapes_everything_and_flags_the_row():
    page = write("html").decode()
    assert "<script>" not in page and "&lt;script&gt;" in page and "T &lt;b&gt;" in page
    assert '<tr class="flag">' in page and page.rstrip().endswith("</html>")


def test_json_lines_round_trip():
    (row,) = [json.loads(line) for line in write("json").decode().splitlines()]
    assert row["resource"] == HOSTILE.resource and row["outside_eea"] is True and row["when"] == "2026-01-01T00:00:00Z"
