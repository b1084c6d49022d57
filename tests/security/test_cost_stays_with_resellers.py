"""A reseller's cost and margin stay with the reseller (#20 point 3): its end customer's
user sees the retail price it is invoiced, never what the reseller pays or earns."""

from __future__ import annotations

import re
from decimal import Decimal

from accounts.models import Role
from accounts.services import new_user
from catalog.models import ResellerMarkup
from persistence import db
from tests.api.factories import make_subscription
from tests.conftest import PASSWORD, login
from tests.ux.test_price_words_pages import page, visible_text


def test_the_end_customer_of_a_reseller_sees_retail_never_cost_or_margin(client, world):
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("10")))
    user = new_user("it@alpha.example", PASSWORD, Role.CUSTOMER_USER,
                    customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    subscription = make_subscription(world.customer_a, world.price, quantity=2)
    login(client, user)
    text = visible_text(page(client, f"/subscriptions/{subscription.id}"))
    assert re.search(r"Price\s+\$12\.50\s+per license per month", text)  # en_US: American
    assert "11.00" not in text and "Margin" not in text and "Your cost" not in text
    shop = page(client, "/shop")
    assert "Your margin" not in shop and 'data-testid="margin"' not in shop
    assert "11.00" not in shop and "11,00" not in shop
