"""Issue 18, item 6: tables fit. Piped demo output had 376-character lines; on a 120-column
terminal long resource names were cut mid-word. Now every line fits the width, a name too long
for its column folds over several lines and is still whole, free text wraps at words."""

from __future__ import annotations

import pytest

from controlplane.cli import output
from controlplane.cli.output import column_widths, table

LONG = "labo-est/NetworkPolicy/allow-monitoring-from-every-namespace-of-the-cluster-v2"
MESSAGE = (
    "NetworkPolicy allow-monitoring in labo-est: ingress rule 0: namespaceSelector {} admits traffic from 4 "
    "namespace(s) outside this tenant (other tenants' namespaces or unlisted ones)"
)
HEADERS = ["Tenant", "Control", "Severity", "Target", "Resource", "Status", "Message"]


def _rows(n: int = 3) -> list[list[str]]:
    return [[f"tenant-{i}", "K8S-06", "critical", "cluster-paris", f"{LONG}-{i}", "fail", MESSAGE] for i in range(n)]


def _column_text(lines: list[str], start: int, end: int) -> str:
    return "".join(line[start:end].strip() for line in lines)


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_piped_tables_fit_the_width_and_names_stay_whole(columns, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    table("Failures", HEADERS, _rows(), wrap=("Message",))
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns
    header, dashes = lines[1], lines[2]
    start = header.index("Resource")
    end = start + len(dashes[start:].split("  ")[0])
    body = lines[3:]
    firsts = [i for i, line in enumerate(body) if line.startswith("tenant-")]
    for n, first in enumerate(firsts):
        block = body[first : firsts[n + 1] if n + 1 < len(firsts) else len(body)]
        assert _column_text(block, start, end) == f"{LONG}-{n}", "the name folds, whole"
        message = " ".join(line[header.index("Message") :].strip() for line in block).strip()
        assert message == MESSAGE, "the message wraps at words, whole"


def test_without_columns_a_pipe_gets_120_and_short_tables_are_not_padded(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    table("Failures", HEADERS, _rows(), wrap=("Message",))
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 120 and all(line == line.rstrip() for line in lines)
    table(None, ["Run", "Status"], [["r1", "completed"]])
    assert capsys.readouterr().out.splitlines() == ["Run  Status", "---  ---------", "r1   completed"]


def test_on_a_120_column_terminal_names_are_not_cut(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    table("Failures", HEADERS, _rows(1), wrap=("Message",))
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 120
    # Rich frame: body cells between "│" (the header uses "┃"); a folded name re-joined.
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    resource = HEADERS.index("Resource")
    assert "".join(row[resource] for row in cells) == f"{LONG}-0"
    assert " ".join(row[-1] for row in cells if row[-1]) == MESSAGE


def test_column_widths_give_way_on_the_longest_names_first():
    assert column_widths([5, 10, 50], [False, False, True], 100) == [5, 10, 50]
    widths = column_widths([8, 60, 200], [False, False, True], 100)
    assert sum(widths) <= 100 and widths[0] == 8 and widths[2] >= 30
    narrow = column_widths([30, 30, 30, 100], [False, False, False, True], 60)
    assert sum(narrow) <= 60 + 8 and min(narrow) >= 1
