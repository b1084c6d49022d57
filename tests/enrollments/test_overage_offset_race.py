"""O5: two offsets of one overage month recorded at the same moment (two of the partner's
users, a double submit) fund only what its invoice still asks for, on both databases. Both
read the invoice's balance and the order's funds before either wrote, so together they
funded usage the customer had paid already and took the invoice below zero."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from commitments.problems import CommitmentRefused
from commitments.records import overage
from commitments.records.models import Enrollment, OverageOffset
from persistence import db
from tests.enrollments.test_overage_offsets import JUNE, order, overage_invoice, pay_part
from tests.enrollments.test_payments_and_customers import overrun, run_days
from tests.races import race


@pytest.fixture
def app(app_on_each_backend):
    return app_on_each_backend


def test_o5_two_offsets_of_one_month_at_once_fund_only_what_its_invoice_still_asks(
        app, world, active):
    overrun(world, active)  # June: RMB 20,000 of overage, invoiced with 6% VAT on 6 July
    run_days(date(2025, 7, 1), date(2025, 7, 9))
    pay_part(active, world, "10600.00")  # half paid: RMB 10,000 net still asked for
    placed = order(active, world, "30000")
    row_id, order_id, user_id = active.id, placed.id, world.reseller_a_user.id
    # A first offset: the month's settlement exists (its unique index kept a racing first
    # one out, with an error), and RMB 9,000 is still asked for.
    overage.offset_overage(active, JUNE, order_id, Decimal("1000"), date(2025, 7, 10),
                            world.reseller_a_user)
    amounts = {"A": Decimal("5000"), "B": Decimal("4500")}

    def offset():
        return overage.offset_overage(
            db.session.get(Enrollment, row_id), JUNE, order_id,
            amounts[threading.current_thread().name], date(2025, 7, 10),
            db.session.get(type(world.reseller_a_user), user_id)).amount_excl_tax

    waited, outcomes = race({"A": app, "B": app}, "overage_offsets", offset)
    assert waited and outcomes["A"] == Decimal("5000")
    refused = outcomes["B"]
    assert isinstance(refused, CommitmentRefused)
    assert [p.code for p in refused.problems] == ["O5.offset_exceeds_unpaid"]
    assert db.session.scalars(select(OverageOffset.amount_excl_tax)
                              .order_by(OverageOffset.id)).all() == [Decimal("1000"),
                                                                     Decimal("5000")]
    assert overage_invoice(active).balance_due == Decimal("4240.00")  # 4,000 and its VAT
