"""B2/B3 with B5: the subscription page's history states, beside each seat change the
storefront itself made (from the subscription page or the API, an order's extra licences,
an upgrade, R4), what billing charges or credits for it, the invoice's figure to the cent,
as it does for the changes made in Partner Center. A reseller's end customer reads the
retail figure its reseller re-invoices (B1), never the reseller's price.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.models import Charge, Invoice
from billing.reinvoice import statements
from billing.runs import run_billing
from persistence import db
from subscriptions import upgrades
from subscriptions.models import Subscription
from subscriptions.services import change_quantity
from tests.billing.conftest import e3_in_germany, price_in, provisioned
from tests.billing.test_b2_b3_partner_center_changes_shown import (  # noqa: F401 - fixture
    end_user,
    event_of,
    invoiced,
    page_of,
    shown,
)
from tests.conftest import login

JUNE_END = date(2021, 6, 30)


def ten_seats(shop, pc_client) -> Subscription:
    """10 seats of Business Standard at EUR 10.08 a month from 18 June (the clock's day)."""
    return provisioned(shop.customer_a, shop.reseller_a_user,
                       price_in(shop, "DE", "EUR", "10.08"), 10, pc_client)


def test_b2_the_page_shows_the_charge_for_licences_the_shop_added_as_invoiced(
        client, shop, clock, pc_client):
    # 2 more on 20 June (28 of 30 days): −94.08 for the 10, +112.89 for the 12
    sub = ten_seats(shop, pc_client)
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    change_quantity(sub, 12, shop.reseller_a_user, pc_client)
    login(client, shop.reseller_a_user)
    added = event_of(sub, "quantity")

    assert shown(page_of(client, sub), added) == ("charged", Decimal("18.81"), "18,81\xa0€")
    run_billing("2021-06", JUNE_END)
    assert invoiced(f"add:{added.id}:") == Decimal("18.81")
    assert shown(page_of(client, sub), added)[1] == Decimal("18.81")  # read off the ledger


def test_b3_the_page_shows_the_credit_for_licences_the_shop_removed_in_their_7_days(
        client, shop, clock, pc_client):
    # 5 more through an order on 20 June, 3 of them removed on the 22nd (26 of 30 days:
    # 8.736 a seat): −131.04 for the 15, +104.83 for the 12
    sub = ten_seats(shop, pc_client)
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"),
                5, pc_client, add_to=sub)
    clock.move_to(datetime(2021, 6, 22, 10, tzinfo=UTC))
    change_quantity(db.session.get(Subscription, sub.id), 12, shop.reseller_a_user, pc_client)
    login(client, shop.reseller_a_user)
    ordered, removed = event_of(sub, "licenses_added"), event_of(sub, "quantity")

    page = page_of(client, sub)
    assert shown(page, ordered)[:2] == ("charged", Decimal("47.04"))  # 28 days × 5 seats
    assert shown(page, removed) == ("credited", Decimal("-26.21"), "26,21\xa0€")
    run_billing("2021-06", JUNE_END)
    assert invoiced(f"add:{ordered.id}:") == Decimal("47.04")
    assert invoiced(f"remove:{removed.id}:") == Decimal("-26.21")


def test_r4_the_pages_show_the_conversion_of_the_shops_own_upgrade_as_invoiced(
        client, shop, clock, pc_client):
    # 4 of 10 seats upgraded to E3 on 1 August (17 of 31 days left): on the source −55.27
    # for the 10 and +33.16 for the 6; on the E3 subscription +66.33 for the 4.
    e3_in_germany()
    annual = price_in(shop, "DE", "EUR", erp="10.08", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 8, 1, 9, tzinfo=UTC))
    (offer,) = upgrades.eligible(sub, pc_client)
    target = upgrades.upgrade_now(sub, offer.catalog_item_id, 4, shop.reseller_a_user,
                                  pc_client)
    login(client, shop.reseller_a_user)
    source_event, target_event = event_of(sub, "upgrade"), event_of(target, "upgrade")

    assert shown(page_of(client, sub), source_event)[:2] == ("credited", Decimal("-22.11"))
    assert shown(page_of(client, target), target_event)[:2] == ("charged", Decimal("66.33"))
    clock.move_to(datetime(2021, 8, 31, 23, tzinfo=UTC))
    run_billing("2021-08", date(2021, 8, 31))
    assert invoiced(f"convert:{source_event.id}:") == Decimal("-22.11")
    assert invoiced(f"convert:{target_event.id}:") == Decimal("66.33")


def test_b1_an_end_customer_reads_the_retail_figure_of_the_shops_change_never_the_resellers(
        client, browser, shop, clock, pc_client, end_user):  # noqa: F811
    sub = ten_seats(shop, pc_client)
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    change_quantity(sub, 12, end_user, pc_client)
    added = event_of(sub, "quantity")
    reseller = browser()
    login(reseller, shop.reseller_a_user)
    login(client, end_user)

    resellers = shown(page_of(reseller, sub), added)
    customers = shown(page_of(client, sub), added)
    run_billing("2021-06", JUNE_END)
    invoice = db.session.scalar(select(Invoice).where(Invoice.buyer_reseller_id.is_not(None)))
    sources = set(db.session.scalars(select(Charge.source).where(
        Charge.source.startswith(f"add:{added.id}:"))))
    restated = sum((ln.amount for statement in statements(invoice) for ln in statement.lines
                    if ln.line.charge.source in sources), Decimal(0))
    assert customers[:2] == ("charged", restated) and restated == Decimal("18.81")
    assert resellers[:2] == ("charged", invoiced(f"add:{added.id}:"))
    assert resellers[1] != customers[1]
