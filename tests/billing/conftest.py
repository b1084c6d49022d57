"""Billing scenes: orders provisioned through the real pipeline against the Partner Center
sandbox, at Microsoft's example prices, with frozen time."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from agreements.mca import Signer, record_acceptance
from billing.models import Charge
from billing.runs import run_billing
from catalog.models import Price
from catalog.queries import buyer_price, markups_for
from connectors.partner_center.sandbox import seed
from orders.models import Order, OrderLine, ProvisioningJob
from persistence import db
from provisioning.jobs import provision_order
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.sync import sync_all
from tests.conftest import make_price, move_to

_numbers = itertools.count(1)


@pytest.fixture
def shop(app, world, pc_client):
    """The world, provisioning against the sandbox without waiting."""
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    return world


@pytest.fixture
def clock():
    """Frozen time; tests move it."""
    with time_machine.travel(datetime(2021, 6, 18, 9, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def price_in(world, market: str, currency: str, erp: str, cost: str | None = None,
             term: str = "P1M", cycle: str = "monthly") -> Price:
    """Microsoft 365 Business Standard (the sandbox knows it) priced in another market, to
    which the world's customers move (C7: a customer buys only at its own market's prices)."""
    for customer in (world.customer_a, world.customer_b, world.direct):
        move_to(customer, market)
    sku = world.price.sku
    found = db.session.scalar(select(Price).where(
        Price.sku_id == sku.id, Price.market == market, Price.term_duration == term,
        Price.billing_cycle == cycle))
    if found:
        return found
    price = Price(sku=sku, term_duration=term, billing_cycle=cycle, market=market,
                  currency=currency, erp_price=Decimal(erp),
                  unit_price=Decimal(cost or erp) * Decimal("0.8"))
    db.session.add(price)
    db.session.commit()
    return price


def order(customer, user, price: Price, quantity: int, add_to: Subscription | None = None):
    """An order as checkout stores it: the buyer's price on the line (what the shop showed)."""
    product = price.sku.product
    unit = buyer_price(price, product.id, markups_for(customer.reseller_id))
    placed = Order(idempotency_key=f"billing-{next(_numbers)}",
                   customer=customer, reseller_id=customer.reseller_id, placed_by=user,
                   currency=price.currency, total=unit * quantity,
                   tenant_mode="existing" if customer.tenant_id else "new",
                   domain_prefix=customer.domain_prefix, pc_customer_id=customer.tenant_id)
    placed.mca_acceptance_id = record_acceptance(
        customer=customer, user=user, signer=Signer("Ada", "Lovelace", "ada@example.com"),
        template_id=seed.MCA_TEMPLATE_ID, version="2024-01", date_agreed=date(2021, 1, 4)).id
    placed.lines.append(OrderLine(
        line_number=0, product=product, price=price, pc_product_id=product.pc_product_id,
        pc_sku_id=price.sku.pc_sku_id, title=product.title, family=product.family,
        billing_cycle=price.billing_cycle, term_duration=price.term_duration,
        quantity=quantity, unit_price=unit, currency=price.currency,
        action="add_licenses" if add_to else "new_subscription", target_subscription=add_to,
        partner_of_record=customer.reseller.mpn_id if customer.reseller else ""))
    placed.record("submitted", "Order placed.")
    db.session.add_all([placed, ProvisioningJob(order=placed)])
    db.session.commit()
    return placed


def provisioned(customer, user, price: Price, quantity: int, pc_client,
                add_to: Subscription | None = None) -> Subscription:
    """Order and provision through the real pipeline; the subscription it made or changed."""
    placed = order(customer, user, price, quantity, add_to)
    assert provision_order(placed.id, pc_client) == "provisioned"
    if add_to is not None:
        return add_to
    return db.session.scalar(select(Subscription).where(
        Subscription.order_line_id == placed.lines[0].id))


def e3_in_germany() -> Price:
    """Microsoft 365 E3 for Germany, one-year term billed monthly (30.24 a licence and
    month at ERP): the upgrade target of the billing scenes' Business Standard (R4)."""
    return make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                      family="microsoft365", market="DE", currency="EUR", cost="24.192",
                      erp="30.24", term="P1Y", cycle="monthly")


def perpetual_price(market: str = "DE", currency: str = "EUR", erp: str = "950.00") -> Price:
    """Windows Server (perpetual software, SKU 0006 in the sandbox), bought once."""
    from catalog.models import Product, Sku

    product = Product(pc_product_id="DG7GMGF0DWMS", title="Windows Server 2022 Standard",
                      family="perpetual_software")
    sku = Sku(product=product, pc_sku_id="0006", title="Windows Server 2022 Standard",
              availability_id="DG7GMGF0AAAA")
    price = Price(sku=sku, term_duration="", billing_cycle="one_time", market=market,
                  currency=currency, erp_price=Decimal(erp), unit_price=Decimal(erp) * 8 / 10)
    db.session.add_all([product, sku, price])
    db.session.commit()
    return price


@pytest.fixture
def agent(shop):
    """Reseller A's user, allowed to cancel (S4)."""
    shop.reseller_a_user.admin_agent = True
    db.session.commit()
    return shop.reseller_a_user


def only_event(sub: Subscription, kind: str) -> SubscriptionEvent:
    """The subscription's one history record of `kind`, read afresh."""
    db.session.expire_all()
    [event] = [e for e in db.session.get(Subscription, sub.id).events if e.kind == kind]
    return event


def nothing_added_again(pc_client, months: tuple[str, ...], today: date) -> None:
    """The sync again, then each month's run again, add no charge, invoice or credit note."""
    charged = db.session.scalar(select(func.count(Charge.id)))
    sync_all(pc_client)
    for month in months:
        again = run_billing(month, today)
        assert (again.charges_added, again.invoices_issued, again.credit_notes_issued) \
            == (0, 0, 0)
    assert db.session.scalar(select(func.count(Charge.id))) == charged
