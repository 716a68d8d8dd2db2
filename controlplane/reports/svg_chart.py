"""Line charts as inline SVG, drawn on the server: the report stays one file that shows and prints
the same everywhere, with no script and no external asset. Every text is escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 900, 270
LEFT, RIGHT, TOP, BOTTOM = 56, 720, 16, 220
"""Plot area; the legend sits right of it, the run labels below it."""
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    """One value per x label; None where there is nothing to plot (the line breaks there)."""


def _x(i: int, n: int) -> float:
    return (LEFT + RIGHT) / 2 if n == 1 else LEFT + (RIGHT - LEFT) * i / (n - 1)


def _y(value: float, y_max: float) -> float:
    return BOTTOM - (BOTTOM - TOP) * (value / y_max if y_max else 0)


def _ticks(y_max: float, percent: bool) -> list[tuple[float, str]]:
    if percent:
        return [(v / 100, f"{v} %") for v in (0, 25, 50, 75, 100)]
    step = max(1, -(-int(y_max) // 4))
    return [(float(v), str(v)) for v in range(0, int(y_max) + 1, step)]


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series], percent: bool = False) -> str:
    """An SVG line chart: one coloured line (with point markers) per series, y from 0 to 100 %
    (`percent`) or to the largest value. The data marks carry class `series`."""
    n = len(x_labels)
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    y_max = 1.0 if percent else max(1.0, float(peak))
    ticks = _ticks(y_max, percent)
    y_max = max(y_max, ticks[-1][0])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" fill="none" stroke="#c8ced6"/>',
    ]
    for value, label in ticks:
        y = _y(value, y_max)
        out.append(f'<line x1="{LEFT}" x2="{RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{escape(label)}</text>')
    for i, label in enumerate(x_labels):
        x = _x(i, n)
        out.append(f'<text x="{x:.1f}" y="{BOTTOM + 16}" text-anchor="middle" font-size="10">{escape(label)}</text>')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        out.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        segment: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is not None:
                segment.append(f"{_x(i, n):.1f},{_y(v, y_max):.1f}")
                out.append(f'<circle cx="{_x(i, n):.1f}" cy="{_y(v, y_max):.1f}" r="4"/>')
            elif segment:
                out.append(f'<polyline fill="none" stroke-width="2.5" points="{" ".join(segment)}"/>')
                segment = []
        out.append("</g>")
        y = TOP + 8 + 20 * k
        out.append(f'<rect x="{RIGHT + 16}" y="{y - 8}" width="14" height="10" fill="{colour}"/>')
        out.append(f'<text x="{RIGHT + 36}" y="{y + 1}" font-size="12">{escape(s.label)}</text>')
    out.append("</svg>")
    return "".join(out)
