"""B4: invoice numbers have no gaps and no duplicates, even when two billing runs race
(threads on one SQLite file, where the write lock serialises them, and on PostgreSQL, where
the sequence's row lock does)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from accounts.models import Customer, Reseller, Role
from accounts.services import new_user
from billing import tax
from billing.charges import generate_charges
from billing.models import Charge, Invoice, InvoiceLine
from billing.runs import issue_invoice, open_buyers, run_billing
from catalog.models import Price
from orders.models import Order, OrderLine
from persistence import db
from subscriptions.models import Subscription
from tests.conftest import make_customer, make_price
from tests.provisioning.databases import BACKENDS, app_on

BUYERS = 30


def many_buyers(count: int) -> None:
    """`count` resellers, each with one customer holding one active subscription."""
    price = make_price(market="DE", currency="EUR", erp="10.08")
    user = new_user("admin@test.example", "pw-never-used-here", Role.PROVIDER_ADMIN)
    db.session.add(user)
    for n in range(count):
        reseller = Reseller(company_name=f"Reseller {n:02d}")
        customer = make_customer(reseller, f"Customer {n:02d}")
        db.session.add_all([reseller, customer])
        db.session.flush()
        subscribe(customer, user, price, n)
    db.session.commit()


def subscribe(customer: Customer, user, price: Price, n: int) -> None:
    product = price.sku.product
    line = OrderLine(line_number=0, product=product, price=price,
                     pc_product_id=product.pc_product_id, pc_sku_id="0001",
                     title=product.title, family=product.family, billing_cycle="monthly",
                     term_duration="P1M", quantity=n + 1, unit_price=price.erp_price,
                     currency="EUR", status="provisioned")
    order = Order(idempotency_key=f"race-{n}", customer=customer,
                  reseller_id=customer.reseller_id, placed_by=user, currency="EUR",
                  lines=[line])
    db.session.add(order)
    db.session.flush()
    db.session.add(Subscription(
        customer=customer, reseller_id=customer.reseller_id, product=product,
        order_line_id=line.id, title=product.title, family=product.family,
        billing_cycle="monthly", term_duration="P1M", quantity=n + 1, status="active",
        purchased_at=datetime(2021, 6, 5, 9, tzinfo=UTC)))


def slow_invoice_inserts(conn, cursor, statement, parameters, context, executemany):
    if statement.startswith("INSERT INTO invoices "):
        time.sleep(0.02)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_concurrent_runs_number_the_invoices_without_gaps_or_duplicates(backend, tmp_path):
    with app_on(backend, tmp_path) as app:
        many_buyers(BUYERS)
        start, failures = threading.Barrier(2), []
        # Widen the window between taking a number and committing the invoice, so the two
        # runs really do meet there (a slow disk or network would do the same).
        event.listen(db.engine, "before_cursor_execute", slow_invoice_inserts)

        def run() -> None:
            with app.app_context():
                try:
                    start.wait()
                    run_billing("2021-06", date(2021, 6, 30))
                except Exception as error:  # noqa: BLE001 - reported below
                    failures.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.number)).all()
        assert numbers == [f"INV-2021-{n:06d}" for n in range(1, BUYERS + 1)]
        assert db.session.scalar(select(func.count(Charge.id))) == BUYERS
        assert db.session.scalar(select(func.count(InvoiceLine.id))) == BUYERS
        total = db.session.scalar(select(func.count(func.distinct(Invoice.buyer_reseller_id))))
        assert total == BUYERS
        assert sum(db.session.scalars(select(Invoice.subtotal))) == \
            sum(Decimal("10.08") * (n + 1) for n in range(BUYERS))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("same_buyer", [True, False], ids=["same buyer", "next buyer"])
def test_a_run_meeting_an_invoice_being_issued_waits_for_its_number(backend, same_buyer,
                                                                    tmp_path):
    """Deterministic: run B holds the series' lock mid-invoice when run A issues an invoice.
    A waits; then for the same buyer it finds B's invoice and gives its number back, and for
    another buyer it takes the next number: no duplicate, no gap."""
    with app_on(backend, tmp_path) as app:
        many_buyers(2)
        tax.ensure_seeded()
        generate_charges("2021-06", date(2021, 6, 30))
        buyers = open_buyers("2021-06")
        b_inside, outcomes = threading.Event(), {}

        def hold(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO invoices ") and \
                    threading.current_thread().name == "B":
                b_inside.set()
                time.sleep(0.5)

        event.listen(db.engine, "before_cursor_execute", hold)

        def issue(name: str) -> None:
            with app.app_context():
                if name == "A":
                    b_inside.wait(timeout=10)
                buyer = buyers[0] if name == "B" or same_buyer else buyers[1]
                try:
                    outcomes[name] = issue_invoice(buyer, "2021-06", date(2021, 6, 30), 30)
                except Exception as error:  # noqa: BLE001 - reported below
                    outcomes[name] = error
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=issue, args=(n,), name=n) for n in ("B", "A")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.id)).all()
        if same_buyer:
            assert outcomes["A"] is None and numbers == ["INV-2021-000001"]
        else:
            assert isinstance(outcomes["A"], Invoice), outcomes["A"]
            assert numbers == ["INV-2021-000001", "INV-2021-000002"]
