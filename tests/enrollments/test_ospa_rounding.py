"""B5 on the enrollment pages: usage is summed exactly and rounded once, so the overage the
page shows is the overage the partner invoices, and a subscription's usage total is the exact
sum of its records, not the sum of their rounded charges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commitments.records import services
from commitments.records.daily import run_daily
from commitments.records.models import UsageRecord
from persistence import db
from tests.conftest import login
from tests.enrollments.conftest import (
    SIGNED_ON,
    START,
    activate,
    at,
    mainland_enterprise,
    pay_commitment,
)

RD_1 = "3f2c9a7e-5b1d-4e8a-9c6f-000000000001"  # the R&D account's Azure subscription


@pytest.fixture
def tiny_overage(world):
    """RMB 100,000 funded and paid, all used in May; in June 1,000 records of 0.003 units
    at RMB 1.50 on one subscription (RMB 0.00 each, RMB 4.50 together), all overage."""
    row = activate(services.create_enrollment(mainland_enterprise(world.customer_a), START),
                   world.admin)
    pay_commitment(row, SIGNED_ON, world.admin)
    account = services.add_account(row, "Shanghai R&D", "it@yunshan.partner.omschina.cn")
    services.add_subscription(account, RD_1)
    [subscription] = account.subscriptions
    row.usage.append(UsageRecord(used_on=date(2025, 5, 2), meter="VM", quantity=Decimal(100000),
                                 unit_price=Decimal("1")))
    for day in range(1000):
        row.usage.append(UsageRecord(used_on=date(2025, 6, 1 + day % 30), meter="VM",
                                     quantity=Decimal("0.003"), unit_price=Decimal("1.50"),
                                     subscription=subscription))
    db.session.commit()
    return row


def test_b5_the_overage_the_page_shows_is_the_overage_invoiced(client, world, tiny_overage):
    run_daily(date(2025, 7, 6))  # June's statement goes out and the partner invoices it (O6)
    [invoice] = [i for i in tiny_overage.invoices if i.kind == "overage"]
    assert invoice.amount_excl_tax == Decimal("4.50")
    with at(date(2025, 7, 6), client, world.admin):
        page = client.get(f"/enrollments/{tiny_overage.id}").get_data(as_text=True)
    assert "RMB 100,004.50 used" in page
    assert "RMB 4.50 overage" in page


def test_b5_a_subscriptions_usage_total_is_its_exact_usage_rounded_once(client, world,
                                                                        tiny_overage):
    login(client, world.admin)
    page = client.get(f"/enrollments/{tiny_overage.id}/subscriptions/{RD_1}")
    assert "Usage: RMB 4.50 excl. tax" in page.get_data(as_text=True)
    show = client.get(f"/enrollments/{tiny_overage.id}").get_data(as_text=True)
    assert "RMB 4.50</li>" in show


def test_b5_a_usage_row_on_the_enrollment_page_rounds_half_up_like_its_export(client, world,
                                                                             tiny_overage):
    # 0.5 units at RMB 0.05 cost RMB 0.025: half a fen above 0.02 (half-even printed 0.02).
    tiny_overage.usage.append(UsageRecord(used_on=date(2025, 6, 30), meter="Half fen",
                                          quantity=Decimal("0.5"), unit_price=Decimal("0.05")))
    db.session.commit()
    login(client, world.admin)
    show = client.get(f"/enrollments/{tiny_overage.id}").get_data(as_text=True)
    row = show[show.index("<td>Half fen</td>"):]
    assert row[:row.index("</tr>")].endswith("<td>RMB 0.03</td>")
