"""B1, S3, B3: a reseller's end customer is quoted the refund its reseller credits it, at
retail, never the reseller's price; the provider still credits the reseller at its price.

The cancel page, its signed (and readable) `quote` field, the flash after confirming, the
history and the API's answer all state the retail refund, which is to the cent the credit
the reseller's re-invoice restates for that customer. The credit on the provider's invoice
to the reseller is the one the reseller's own cancellation gets. Subscriptions are bought
through the real pipeline against the Partner Center sandbox; nothing of ours is patched.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from billing.models import Charge, Invoice
from billing.reinvoice import statements
from billing.runs import run_billing
from catalog.models import ResellerMarkup
from persistence import db
from subscriptions.models import Subscription
from tests.api.factories import bearer
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_promised_refund import JUNE_END, open_cancel_page, shown_refund
from tests.conftest import PASSWORD, login
from tests.subscriptions.conftest import confirm_cancel

# PLN 1713.96 retail (ERP); the reseller's cost is 80 % of it, 1371.168, and its price with
# a 10 % markup 1508.28 (rounded to the currency's minor unit). Bought 18 June 09:00 (a
# 30-day cycle to 17 July); cancelled on 20 June, 28 of its 30 days are refunded, for 3
# licenses:
RETAIL_REFUND = Decimal("4799.08")  # 1713.96 / 30 × 28 × 3 = 4799.088, cut
RESELLER_CREDIT = Decimal("4223.18")  # 1508.28 / 30 × 28 × 3 = 4223.184, cut
SHOWN_RETAIL, SHOWN_RESELLERS = "4.799,08\xa0PLN", "4.223,18\xa0PLN"  # customer A: en_DE


@pytest.fixture
def markup(shop):
    db.session.add(ResellerMarkup(reseller_id=shop.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    db.session.commit()


@pytest.fixture
def end_user(shop, markup):
    """An admin agent (S4) of reseller A's customer: a user of the end customer."""
    user = new_user("it@alpha.example", PASSWORD, Role.CUSTOMER_USER,
                    customer=shop.customer_a)
    user.admin_agent = True
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def sub(shop, clock, end_user, pc_client) -> Subscription:
    """Bought by reseller A for its customer at the reseller's price, then 20 June 10:00."""
    bought = provisioned(shop.customer_a, shop.reseller_a_user,
                         price_in(shop, "PL", "PLN", "1713.96"), 3, pc_client)
    clock.move_to(datetime(2021, 6, 20, 10, tzinfo=UTC))
    return bought


def decoded(page: str) -> dict:
    """The hidden `quote` field as anyone reading the page can: signed, not encrypted, its
    payload is base64 (zlib-compressed when that is shorter, marked by a leading dot)."""
    value = re.search(r'name="quote" value="([^"]+)"', page)[1]
    compressed, payload = value.startswith("."), value.removeprefix(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def cancel_credits(sub: Subscription) -> tuple[Decimal, Decimal]:
    """June's billing run: the provider's credit to the reseller for the cancellation, and
    the credit the reseller's re-invoice restates for its customer."""
    run_billing("2021-06", JUNE_END)
    charge = db.session.scalar(select(Charge).where(Charge.source == f"cancel:sub:{sub.id}"))
    invoice = db.session.scalar(select(Invoice).where(Invoice.buyer_reseller_id.is_not(None)))
    [statement] = statements(invoice)
    [restated] = [ln for ln in statement.lines if ln.line.charge_type == "cancelImmediate"]
    return charge.amount, restated.amount


def test_b1_s3_an_end_customer_is_shown_and_signed_the_retail_refund_never_the_resellers(
        client, shop, end_user, sub):
    login(client, end_user)
    page = open_cancel_page(client, sub)

    assert shown_refund(page) == SHOWN_RETAIL
    assert SHOWN_RESELLERS not in page
    assert decoded(page)["amount"] == str(RETAIL_REFUND)
    assert str(RESELLER_CREDIT) not in json.dumps(decoded(page))
    show = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert shown_refund(show) == SHOWN_RETAIL and SHOWN_RESELLERS not in show


def test_b3_the_end_customers_confirmed_refund_is_its_reinvoice_credit_and_the_reseller_is_credited_its_price(  # noqa: E501
        client, shop, end_user, sub):
    login(client, end_user)
    response = confirm_cancel(client, sub.id, open_cancel_page(client, sub))

    assert response.status_code == 302
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Refund: {SHOWN_RETAIL} excl. VAT (" in after
    assert "4223.18" not in after and SHOWN_RESELLERS not in after  # nor in the history
    assert db.session.get(Subscription, sub.id).status == "cancelled"
    assert cancel_credits(sub) == (-RESELLER_CREDIT, -RETAIL_REFUND)


def test_b1_the_api_answers_an_end_customer_the_retail_refund(client, shop, end_user, sub):
    response = client.post(f"/api/v1/subscriptions/{sub.id}/cancel", headers=bearer(end_user))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["refund"] == str(RETAIL_REFUND)
    assert cancel_credits(sub) == (-RESELLER_CREDIT, -RETAIL_REFUND)


def test_b1_the_history_of_a_resellers_customer_states_the_retail_refund_whoever_cancelled(
        client, browser, shop, end_user, sub):
    shop.reseller_a_user.admin_agent = True
    db.session.commit()
    reseller = browser()
    login(reseller, shop.reseller_a_user)
    assert confirm_cancel(reseller, sub.id).status_code == 302
    login(client, end_user)

    history = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    # In the customer's own money, as its invoices write it.
    assert "Cancelled; the customer&#39;s refund at retail 4.799,08\xa0PLN." in history
    assert "4223.18" not in history


def test_b1_the_reseller_is_still_shown_and_credited_its_own_price(client, shop, end_user,
                                                                    sub):
    shop.reseller_a_user.admin_agent = True
    db.session.commit()
    login(client, shop.reseller_a_user)
    page = open_cancel_page(client, sub)
    assert shown_refund(page) == SHOWN_RESELLERS
    assert decoded(page)["amount"] == str(RESELLER_CREDIT)

    response = confirm_cancel(client, sub.id, page)
    assert f"Refund: {SHOWN_RESELLERS} excl. VAT (" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert cancel_credits(sub) == (-RESELLER_CREDIT, -RETAIL_REFUND)


def test_s3_a_quote_signed_for_the_reseller_promises_its_end_customer_nothing(
        client, browser, shop, end_user, sub):
    shop.reseller_a_user.admin_agent = True
    db.session.commit()
    reseller = browser()
    login(reseller, shop.reseller_a_user)
    resellers_page = open_cancel_page(reseller, sub)
    login(client, end_user)
    page = re.sub(r'(name="quote" value=")[^"]*',
                  lambda m: m[1] + re.search(r'name="quote" value="([^"]+)"', resellers_page)[1],
                  open_cancel_page(client, sub))
    response = confirm_cancel(client, sub.id, page)

    assert response.status_code == 422
    assert 'data-code="S3.quote_changed"' in response.get_data(as_text=True)
    assert db.session.get(Subscription, sub.id).status == "active"
