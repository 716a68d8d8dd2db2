"""Printing helpers: JSON for scripts, rich only on a terminal, plain text otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, header_style="bold")
        for h in headers:
            t.add_column(h)
        for row in rows:
            t.add_row(*(str(c) for c in row))
        Console().print(t)
        return
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if title:
        click.echo(title)
    for n, row in enumerate(cells):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output for people (table) or scripts (json).",
)
