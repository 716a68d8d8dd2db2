"""Export writers: CSV (spreadsheets), JSON lines (scripts), HTML (people). Each writes one record
at a time to a binary stream, so an export of any size runs in constant memory.

Every field is text from a log: CSV cells a spreadsheet would take for a formula get an apostrophe,
HTML is escaped, JSON is escaped by the encoder. The header/footer of the HTML page is small and
fixed; its table grows with the records, never held whole.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from typing import BinaryIO, Protocol

from controlplane.traces.record import TraceRecord

COLUMNS = (
    "when",
    "actor",
    "actor_kind",
    "staff",
    "team",
    "source_address",
    "country",
    "outside_eea",
    "resource",
    "action",
    "result",
    "source",
)
FORMATS = ("csv", "json", "html")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _row(r: TraceRecord) -> tuple[str, ...]:
    return (
        r.when.isoformat().replace("+00:00", "Z"),
        r.actor,
        str(r.actor_kind),
        r.staff,
        r.team,
        r.source_address,
        r.country,
        "yes" if r.outside_eea else "",
        r.resource,
        r.action,
        r.result,
        r.source,
    )


class TraceWriter(Protocol):
    def write(self, record: TraceRecord) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    """UTF-8 with a byte-order mark so spreadsheet software reads accented names correctly."""

    def __init__(self, out: BinaryIO, title: str) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
        self._text.write("\ufeff")
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._csv.writerow(COLUMNS)

    def write(self, record: TraceRecord) -> None:
        self._csv.writerow(["'" + v if v.startswith(_FORMULA_START) else v for v in _row(record)])

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


class JsonLinesWriter:
    """One JSON object per line (`jq -c`, pandas `read_json(lines=True)`), no header: any prefix
    of the file is valid JSON lines, and no reader has to parse it whole."""

    def __init__(self, out: BinaryIO, title: str) -> None:
        self._out = out
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write(self, record: TraceRecord) -> None:
        row = dict(zip(COLUMNS, _row(record), strict=True))
        row["outside_eea"] = record.outside_eea  # type: ignore[assignment]
        self._out.write(self._encode(row).encode("utf-8") + b"\n")

    def close(self) -> None:
        self._out.flush()


_HTML_HEAD = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body{{font-family:sans-serif;font-size:13px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}}
tr.flag td{{background:#fde2e2}}</style></head><body>
<h1>{title}</h1>
<p>Traces d'accès / access traces. Lignes en rouge : accès du personnel depuis un pays hors EEE (EXI 29).</p>
<table><thead><tr>{header}</tr></thead><tbody>
"""
_HTML_FOOT = "</tbody></table></body></html>\n"


class HtmlWriter:
    """A self-contained page (no script, a CSP forbidding any load): everything escaped."""

    def __init__(self, out: BinaryIO, title: str) -> None:
        self._out = out
        header = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        out.write(_HTML_HEAD.format(title=html.escape(title), header=header).encode("utf-8"))

    def write(self, record: TraceRecord) -> None:
        cells = "".join(f"<td>{html.escape(v)}</td>" for v in _row(record))
        css = ' class="flag"' if record.outside_eea else ""
        self._out.write(f"<tr{css}>{cells}</tr>\n".encode())

    def close(self) -> None:
        self._out.write(_HTML_FOOT.encode("utf-8"))
        self._out.flush()


WRITERS: dict[str, Callable[[BinaryIO, str], TraceWriter]] = {
    "csv": CsvWriter,
    "json": JsonLinesWriter,
    "html": HtmlWriter,
}
