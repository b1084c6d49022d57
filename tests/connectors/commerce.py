"""What the sandbox commerce tests share: a fixed start, the catalog's offers by kind,
and buying through a cart."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DYNAMICS = ("CFQ7TTC0LGNM", "0001")
E1_LEGACY = ("CFQ7TTC0LF8Q", "0001")
NONPROFIT = ("CFQ7TTC0LCHN", "0002")
REDHAT = ("DG7GMGF0FKZW", "0001")
WINDOWS_SERVER = ("DG7GMGF0DWMS", "0006")
AZURE_PLAN = ("DZH318Z0BPS6", "0001")
SQL_SERVER = ("DG7GMGF0FKZV", "0002")
RESERVATION = ("DZH318Z0BQ4V", "0052")


def buy(pc_client, customer_id, *lines):
    cart = pc_client.create_cart(customer_id, list(lines))
    return pc_client.checkout_cart(customer_id, cart.id)


def active_subscription(pc_client, customer_id, *lines):
    order = buy(pc_client, customer_id, *lines).orders[0]
    pc_client.get_order(customer_id, order.id)
    return pc_client.list_subscriptions(customer_id, order_id=order.id)[0]
