"""Small bar charts as plain SVG coordinates, computed on the server like the OSPA
burn-down (enrollments/chart.py); the template draws them, no JavaScript library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from catalog.price_words import counted

WIDTH, HEIGHT = 640, 160
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the tooltip, e.g. "2026-12-04: 3 orders"


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int
    base_y: float
    top_y: float
    peak: int
    bars: tuple[Bar, ...]
    first_label: str
    last_label: str
    summary: str


def daily_bars(series: Sequence[tuple[date, int]], noun: tuple[str, str]) -> BarChart:
    """One bar per day, scaled to the busiest day; `noun` names what is counted, one and
    many ("order", "orders")."""
    peak = max([1, *(count for _, count in series)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(series), 1)
    bars = tuple(Bar(round(LEFT + i * slot + 1, 1), round(TOP + plot_h * (1 - count / peak), 1),
                     round(max(slot - 2, 1), 1), round(plot_h * count / peak, 1),
                     f"{day.isoformat()}: {counted(count, *noun)}")
                 for i, (day, count) in enumerate(series))
    total = sum(count for _, count in series)
    first, last = (series[0][0], series[-1][0]) if series else (None, None)
    summary = (f"{counted(total, *noun)} from {first} to {last}; busiest day {peak}"
               if series else f"no {noun[1]}")
    return BarChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP + plot_h, TOP, peak, bars,
                    str(first or ""), str(last or ""), summary)
