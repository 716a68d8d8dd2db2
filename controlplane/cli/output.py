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


def console(err: bool = False) -> Any:
    """A rich console that never interprets markup, emoji codes or highlights data; sized to the
    terminal, or to $COLUMNS (else PIPE_WIDTH) and without colours when piped."""
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    options: dict[str, Any] = {"markup": False, "emoji": False, "highlight": False, "file": stream}
    if not stream.isatty():
        columns = os.environ.get("COLUMNS", "")
        options.update(
            width=int(columns) if columns.isdigit() and int(columns) >= 40 else PIPE_WIDTH,
            no_color=True,
            color_system=None,
            force_terminal=False,
        )
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


def _plain_box() -> Any:
    from rich.box import Box

    return Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)


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
    from rich.table import Table
    from rich.text import Text

    terminal = stdout_is_terminal()
    out = console()
    t = Table(
        title=None,
        header_style="bold" if terminal else "",
        show_edge=terminal,
        pad_edge=terminal,
        **({} if terminal else {"box": _plain_box()}),
    )
    cells = [[printable(c) for c in row] for row in rows]
    free = [h in wrap for h in headers]
    widths = column_widths(
        [max([len(printable(h)), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)],
        free,
        out.width - 3 * len(headers) - 1,
    )
    for h, width in zip(headers, widths, strict=True):
        t.add_column(Text(printable(h)), overflow="fold", width=width)
    for row in cells:
        t.add_row(*(Text(c) for c in row))
    if not terminal:  # rendered aside, then written without rich's trailing padding
        import io

        out.file = io.StringIO()
    if title:
        out.print(Text(printable(title), style="bold" if terminal else ""))
    if note:
        out.print(Text(printable(note), style="dim" if terminal else ""))
    out.print(t)
    if not terminal:
        for line in out.file.getvalue().splitlines():
            click.echo(line.rstrip())


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
