"""Two requests on one enrollment at the same moment (commitments.records.locking), on both
databases: the second waits for the first's commit and checks the O rules against it (on
SQLite, whose driver opens a transaction only at a write, it used to check outside one)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from accounts.models import User
from billing.payments import PaymentInput, record_payment
from commitments.enrollment import Document
from commitments.orders import OrderKind
from commitments.problems import CommitmentRefused
from commitments.records import overage, services
from commitments.records.models import Enrollment, OverageOffset, SentNotice
from persistence import db
from tests.conftest import build_world
from tests.enrollments.conftest import (
    SIGNED_ON,
    START,
    activate,
    mainland_enterprise,
    price_meters,
)
from tests.enrollments.test_overage_offsets import JUNE, order, overage_invoice
from tests.enrollments.test_payments_and_customers import overrun, run_days
from tests.provisioning.databases import BACKENDS, app_on
from tests.races import race

JULY_10 = date(2025, 7, 10)


def draft_enrollment():
    """The enrollments conftest's `draft` and `active` set-ups, on this app's database."""
    world = build_world()
    price_meters(world.reseller_a.id, world.admin, {"Compute": "1", "Storage": "1"})
    return world, services.create_enrollment(mainland_enterprise(world.customer_a), START)


def invoiced_enrollment():
    """test_overage_offsets' `invoiced`: June runs RMB 20,000 past the RMB 100,000
    commitment, and its overage invoice (21,200 with VAT) is out on 6 July."""
    world, row = draft_enrollment()
    activate(row, world.admin)
    overrun(world, row)
    run_days(date(2025, 7, 1), date(2025, 7, 9))
    return world, row


def codes(outcome) -> list[str]:
    assert isinstance(outcome, CommitmentRefused), outcome
    return [p.code for p in outcome.problems]


@pytest.mark.parametrize("backend", BACKENDS)
def test_o3_two_admins_offsetting_from_one_order_at_once_draw_only_what_it_has_left(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world, row = invoiced_enrollment()
        placed = order(row, world, "15000")
        overage.offset_overage(row, JUNE, placed.id, Decimal("5000"), JULY_10, world.admin)
        ids = row.id, placed.id, world.admin.id

        def offset():  # 7,000 and 6,000: more than the 10,000 the order has left
            amount = {"A": Decimal("7000"), "B": Decimal("6000")}[
                threading.current_thread().name]
            return overage.offset_overage(db.session.get(Enrollment, ids[0]), JUNE, ids[1],
                                           amount, JULY_10,
                                           db.session.get(User, ids[2])).amount_excl_tax

        waited, outcomes = race({"A": app, "B": app}, "overage_offsets", offset)
        assert waited and outcomes["A"] == Decimal("7000.00")
        assert codes(outcomes["B"]) == ["O3.offset_exceeds_order_left"]
        drawn = db.session.scalar(select(func.sum(OverageOffset.amount_excl_tax)))
        assert drawn == Decimal("12000.00")
        assert overage_invoice(row).balance_due == Decimal("8480.00")  # 8,000 and 6% VAT


@pytest.mark.parametrize("backend", BACKENDS)
def test_o5_an_offset_racing_a_payment_of_the_whole_overage_invoice_credits_nothing(
        backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world, row = invoiced_enrollment()
        placed = order(row, world, "30000")
        ids = row.id, placed.id, world.admin.id, overage_invoice(row).id

        def pay_or_offset():  # A pays the whole invoice (billing locks it), B offsets it all
            admin = db.session.get(User, ids[2])
            if threading.current_thread().name == "A":
                invoice = overage_invoice(db.session.get(Enrollment, ids[0]))
                entry = PaymentInput(str(invoice.balance_due), JULY_10, "wire_transfer")
                return record_payment(invoice, entry, JULY_10, admin.id).amount
            return overage.offset_overage(db.session.get(Enrollment, ids[0]), JUNE, ids[1],
                                           None, JULY_10, admin)

        waited, outcomes = race({"A": app, "B": app}, "invoice_payments", pay_or_offset)
        assert waited and outcomes["A"] == Decimal("21200.00")
        assert codes(outcomes["B"]) == ["O5.no_open_overage"]
        invoice = overage_invoice(row)
        assert (invoice.credit_notes, invoice.balance_due) == ([], Decimal("0"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_o1_two_initial_orders_placed_at_once_place_one(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        world, row = draft_enrollment()
        for document in Document:
            services.sign_document(row, document, "Li Wei", SIGNED_ON, world.admin)
        ids = row.id, world.admin.id

        def place():
            return services.place_commitment_order(
                db.session.get(Enrollment, ids[0]), OrderKind.INITIAL, 1, Decimal("100000"),
                SIGNED_ON, db.session.get(User, ids[1])).kind

        waited, outcomes = race({"A": app, "B": app}, "commitment_orders", place)
        assert waited and outcomes["A"] == "initial"
        assert codes(outcomes["B"]) == ["O1.initial_order_already_placed"]
        row = db.session.get(Enrollment, row.id)
        assert [o.kind for o in row.orders] == ["initial"] and len(row.invoices) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_o5_usage_recorded_twice_at_once_sends_each_threshold_notice_once(backend, tmp_path):
    """A's 55,000 crosses 50%; B's 55,000 on top of it crosses 75, 90 and 100%. B used to
    see only its own record: it sent none (SQLite) or the 50% again, refused by the notice's
    unique key with its usage lost (PostgreSQL)."""
    with app_on(backend, tmp_path) as app:
        world, row = draft_enrollment()
        activate(row, world.admin)
        ids = row.id, world.admin.id

        def record():
            sent = services.record_usage(db.session.get(Enrollment, ids[0]), JUNE, "Compute",
                                         Decimal("55000"), JUNE, db.session.get(User, ids[1]))
            return sorted(n.key.detail for n in sent)

        waited, outcomes = race({"A": app, "B": app}, "sent_notices", record)
        assert waited and (outcomes["A"], outcomes["B"]) == ([50], [75, 90, 100])
        keys = db.session.scalars(select(SentNotice.key)
                                  .where(SentNotice.kind == "usage_threshold")).all()
        assert sorted(int(k.rsplit(":", 1)[1]) for k in keys) == [50, 75, 90, 100]
        assert len(db.session.get(Enrollment, row.id).usage) == 2
