"""The burn-down chart as plain SVG coordinates, computed on the server from the domain's
burn_down series; the template draws them (no JavaScript library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commitments.balance import BurnDownPoint
from commitments.money import format_rmb

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 120, 20, 16, 28


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line with its label."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """What the template draws: the step line, the zero line, ticks and date labels."""

    width: int
    height: int
    left: int
    right: int
    line: str
    zero_y: float
    ticks: tuple[Tick, ...]
    first_label: str
    last_label: str
    last_x: float
    last_y: float
    summary: str


def _scale(first: date, last: date, top: Decimal, bottom: Decimal):
    span_days = max((last - first).days, 1)
    span_value = max(top - bottom, Decimal(1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + plot_w * (day - first).days / span_days, 1)

    def y(value: Decimal) -> float:
        return round(TOP + plot_h * float((top - value) / span_value), 1)

    return x, y


def burn_down_chart(
    points: Sequence[BurnDownPoint], first: date, last: date, funded: Decimal
) -> Chart | None:
    """Net balance (remaining minus overage) over the term as a step line; None if no points."""
    if not points:
        return None
    nets = [p.remaining - p.overage for p in points]
    top, bottom = max([funded, *nets]), min([Decimal(0), *nets])
    x, y = _scale(first, last, top, bottom)
    coords, previous = [], None
    for point, net in zip(points, nets, strict=True):
        if previous is not None:
            coords.append(f"{x(point.day)},{y(previous)}")  # steps: balance changes at the day
        coords.append(f"{x(point.day)},{y(net)}")
        previous = net
    ticks = tuple(Tick(y(v), format_rmb(v)) for v in sorted({top, top / 2, Decimal(0), bottom}))
    end = points[-1]
    summary = f"{format_rmb(end.remaining)} left, {format_rmb(end.overage)} overage on {end.day}"
    return Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, " ".join(coords), y(Decimal(0)), ticks,
                 first.isoformat(), last.isoformat(), x(end.day), y(nets[-1]), summary)
