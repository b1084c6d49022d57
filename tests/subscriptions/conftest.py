"""Subscriptions bought in the Partner Center sandbox and mirrored locally, as provisioning does."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from connectors.partner_center import Address, CartLineRequest, Contact, NewCustomer
from connectors.partner_center.sandbox import seed
from persistence import db
from subscriptions.models import Subscription
from tests.conftest import make_order, make_price

US = Address("1 Microsoft Way", "Redmond", "98052", "US", "WA", first_name="Ada",
             last_name="Lovelace", phone_number="4255550100")
BUSINESS = ("CFQ7TTC0LDPB", "0001")
SQL_SERVER = ("DG7GMGF0FKZV", "0002")
RED_HAT = ("DG7GMGF0FKZW", "0001")
WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006")  # perpetual


@pytest.fixture
def tenant(world, pc_client) -> str:
    """Reseller A's customer, now with a Partner Center tenant that accepted the MCA."""
    created = pc_client.create_customer(NewCustomer(
        "alphagmbh.onmicrosoft.com", "Alpha GmbH", "it@alpha.example", US))
    template = pc_client.get_agreement_templates()[0].template_id
    pc_client.create_customer_agreement(created.id, template,
                                        Contact("Ada", "Lovelace", "ada@alpha.example"),
                                        datetime(2025, 1, 1, tzinfo=UTC))
    world.customer_a.tenant_id = created.id
    db.session.commit()
    return created.id


@pytest.fixture
def buy(world, pc_client, tenant) -> Callable[..., Subscription]:
    """Buy a plan for customer A in the sandbox and mirror it locally with its order line."""

    def buy(product=BUSINESS, term="P1M", cycle="monthly", quantity=2, price=None,
            **flags) -> Subscription:
        price = price or (world.price if product == BUSINESS and term == "P1M" else make_price(
            title=f"Plan {product[0]} {term}", product_id=product[0], term=term, cycle=cycle,
            **flags))
        availability = pc_client.list_availabilities(*product, "US")[0]
        cart = pc_client.create_cart(tenant, [CartLineRequest(
            availability.catalog_item_id, quantity, term, cycle,
            reseller_mpn_id=seed.RESELLER_MPN_ID)])
        order = pc_client.checkout_cart(tenant, cart.id).orders[0]
        remote = pc_client.list_subscriptions(tenant, order_id=order.id)[0]
        local_order = make_order(world.customer_a, world.reseller_a_user, price, quantity)
        local_order.idempotency_key += f":{remote.id}"  # the same plan may be bought twice
        product_row = price.sku.product
        sub = Subscription(
            customer=world.customer_a, reseller=world.reseller_a, product=product_row,
            order_line_id=local_order.lines[0].id, tenant_id=tenant,
            pc_subscription_id=remote.id, pc_order_id=order.id, offer_id=remote.offer_id,
            pc_product_id=product[0], pc_sku_id=product[1], title=product_row.title,
            family=product_row.family, billing_cycle=cycle, term_duration=term,
            quantity=quantity, status=remote.status, autorenew=remote.auto_renew_enabled,
            partner_id=remote.partner_id, purchased_at=remote.created,
            term_start=remote.created, term_end=remote.term_end)
        db.session.add(sub)
        db.session.commit()
        return sub

    return buy


def patches(pc_responses) -> list[dict]:
    """Bodies of the subscription PATCHes the sandbox received (the HTTP boundary)."""
    return [json.loads(c.request.body) for c in pc_responses.calls
            if c.request.method == "PATCH" and "/subscriptions/" in c.request.url]


HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirm_cancel(client, sub_id: int, page: str | None = None):
    """Confirm a cancellation as the browser does: post the hidden fields of the cancel
    page's form (CSRF token, confirm=yes, the signed refund it showed). `page` is that page
    as opened earlier; without it the page is opened now."""
    url = f"/subscriptions/{sub_id}/cancel"
    page = page if page is not None else client.get(url).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(url)}">(.*?)</form>', page, re.S)
    assert form, "the page has no cancel confirmation form"
    return client.post(url, data={k: html.unescape(v) for k, v in HIDDEN_RE.findall(form[1])})
