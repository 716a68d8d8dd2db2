"""Printing helpers: JSON for scripts, rich tables for people (on a terminal or piped).

Why every string goes through `printable`: resource names, messages and tenant names come from
endpoints, backups, dumps and the store, so they are hostile. They are printed as rich `Text`
(never markup: `[/bogus]` would crash the run before its webhook, `[link=…]` would become a
link) with control characters escaped (ESC/OSC sequences, `\\r` and newlines never reach the
terminal raw, nor a log file the output is piped to). JSON output escapes them too.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from controlplane.errors import _printable

PIPE_WIDTH = 120
"""Width of tables written to a pipe or a file when $COLUMNS does not say: readable in a log
viewer and a terminal pager, never a 376-character line."""

FREE_TEXT_WIDTH = 30
"""Width a message or title column keeps before names give way (it wraps at words)."""
MIN_NAME_WIDTH = 8

_JSON_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal acts on that `json.dumps(ensure_ascii=False)` leaves raw (C1 controls
such as U+009B CSI, bidi overrides, line separators): written as \\uXXXX escapes, same JSON."""


def printable(value: Any) -> str:
    """`value` as one line of inert text: control characters shown as escapes (\\x1b, \\n...)."""
    return _printable(value if isinstance(value, str) else str(value))


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def safe_json(text: str) -> str:
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_dumps(data: Any, **kwargs: Any) -> str:
    return safe_json(json.dumps(data, ensure_ascii=False, default=str, **kwargs))


def emit_json(data: Any) -> None:
    click.echo(json_dumps(data, indent=2))


def echo(text: Any = "", err: bool = False) -> None:
    """click.echo of a line that may carry data: escaped."""
    click.echo(printable(text), err=err)


def _pipe_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 40 else PIPE_WIDTH


def console(err: bool = False) -> Any:
    """A rich console that never interprets markup, emoji codes or highlights data; sized to the
    terminal, or to $COLUMNS (else PIPE_WIDTH) and without colours when piped."""
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    options: dict[str, Any] = {"markup": False, "emoji": False, "highlight": False, "file": stream}
    if not stream.isatty():
        options.update(width=_pipe_width(), no_color=True, color_system=None, force_terminal=False)
    return Console(**options)


def column_widths(natural: Sequence[int], free: Sequence[bool], available: int) -> list[int]:
    """Widths that fit `available`: everything natural if it fits; else free-text columns (which
    wrap at words) keep up to FREE_TEXT_WIDTH while the longest names give way first (they fold,
    whole, over several lines), and what is left goes back to the free text."""
    if sum(natural) <= available:
        return list(natural)
    names = [i for i, f in enumerate(free) if not f]
    texts = [i for i, f in enumerate(free) if f]
    room = available - sum(min(natural[i], FREE_TEXT_WIDTH) for i in texts)
    cap = max((natural[i] for i in names), default=0)
    while cap > MIN_NAME_WIDTH and sum(min(natural[i], cap) for i in names) > room:
        cap -= 1
    widths = [min(n, cap) if not f else 0 for n, f in zip(natural, free, strict=True)]
    left = max(available - sum(widths), MIN_NAME_WIDTH * len(texts))
    for n, i in enumerate(texts):
        share = left // (len(texts) - n)
        widths[i] = max(min(natural[i], share), 1)
        left -= widths[i]
    return widths


def _cell_lines(text: str, width: int, free: bool) -> list[str]:
    if len(text) <= width:
        return [text]
    if free:
        import textwrap

        return textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    return [text[i : i + width] for i in range(0, len(text), width)]  # a name folds, whole


def _plain_table(
    title: str | None, note: str | None, headers: list[str], cells: list[list[str]], free: list[bool]
) -> None:
    """Piped or redirected: aligned text, two spaces between columns, dashes under the header,
    no trailing spaces; written without rich (10,000 tenants' rows in a fraction of a second)."""
    import textwrap

    width = _pipe_width()
    natural = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    widths = column_widths(natural, free, width - 2 * (len(headers) - 1))
    if title:
        click.echo(title)
    for line in textwrap.wrap(note or "", width):
        click.echo(line)
    for n, row in enumerate([headers, *cells]):
        columns = [_cell_lines(c, w, f) for c, w, f in zip(row, widths, free, strict=True)]
        for k in range(max(len(c) for c in columns)):
            parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(columns, widths, strict=True)]
            click.echo("  ".join(parts).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


def table(
    title: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    wrap: Sequence[str] = (),
    note: str | None = None,
) -> None:
    """A table fitted to the width: cells wrap (long names fold across lines, never cut) and the
    columns named in `wrap` (free text: messages) give up width first. Piped, the same table in
    plain aligned text (dashes under the header, no frame, no colour). `note` follows the title
    (what the cells count)."""
    cells = [[printable(c) for c in row] for row in rows]
    shown = [printable(h) for h in headers]
    free = [h in wrap for h in headers]
    if not stdout_is_terminal():
        _plain_table(printable(title) if title else None, printable(note) if note else None, shown, cells, free)
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    natural = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(shown)]
    widths = column_widths(natural, free, out.width - 3 * len(headers) - 1)
    t = Table(header_style="bold")
    for h, width in zip(shown, widths, strict=True):
        t.add_column(Text(h), overflow="fold", width=width)
    for row in cells:
        t.add_row(*(Text(c) for c in row))
    if title:
        out.print(Text(printable(title), style="bold"))
    if note:
        out.print(Text(printable(note), style="dim"))
    out.print(t)


class FormatChoice(click.Choice):
    """`table` or `json`, the same words on every command; `text` (the old word of `config
    validate`) is still accepted as `table`, without being advertised."""

    def __init__(self) -> None:
        super().__init__(["table", "json"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert("table" if value == "text" else value, param, ctx)


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=FormatChoice(),
    default="table",
    show_default=True,
    help="Output for people (table) or scripts (json).",
)
