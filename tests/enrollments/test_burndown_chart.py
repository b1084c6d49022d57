"""The burn-down chart follows the domain's burn_down series, overage below the zero line."""

from datetime import date
from decimal import Decimal

from commitments.balance import BurnDownPoint
from storefront.enrollments.chart import burn_down_chart

FIRST, LAST = date(2025, 4, 1), date(2026, 3, 31)


def test_the_chart_steps_down_on_each_usage_day_and_ends_at_the_balance_left():
    points = [BurnDownPoint(FIRST, Decimal(100000), Decimal(0)),
              BurnDownPoint(date(2025, 6, 1), Decimal(40000), Decimal(0))]
    chart = burn_down_chart(points, FIRST, LAST, Decimal(100000))
    coords = [tuple(map(float, c.split(","))) for c in chart.line.split()]
    assert len(coords) == 3  # start, the step across to 1 June, the drop
    assert coords[0][1] == coords[1][1] < coords[2][1] < chart.zero_y
    assert chart.summary == "RMB 40,000.00 left, RMB 0.00 overage on 2025-06-01"


def test_overage_is_drawn_below_the_zero_line():
    points = [BurnDownPoint(FIRST, Decimal(100000), Decimal(0)),
              BurnDownPoint(date(2025, 9, 1), Decimal(0), Decimal(20000))]
    chart = burn_down_chart(points, FIRST, LAST, Decimal(100000))
    assert chart.last_y > chart.zero_y
    lowest = max(chart.ticks, key=lambda t: t.y)
    assert lowest.y > chart.zero_y and lowest.label == "RMB -20,000.00"


def test_a_term_without_points_has_no_chart():
    assert burn_down_chart([], FIRST, LAST, Decimal(0)) is None
