"""Software bought before October 2021, as only Get Orders still returns it.

Microsoft: software subscriptions purchased before October 2021 (and perpetual software)
are returned by the orders list (get-all-of-a-customer-s-orders) but not by the
subscriptions list. The sandbox seeds two such orders for the tenant with delegated
admin, so a sync proves it reads orders: their subscription ids are on the order lines and
nowhere in `subscriptions`.
"""

from __future__ import annotations

from typing import Any

SQL_SERVER_ORDER_ID = "legacy-sqlserver-2021-03"
WINDOWS_SERVER_ORDER_ID = "legacy-winserver-2021-09"
SQL_SERVER_SUBSCRIPTION_ID = "6a1f7b2c-3d4e-4f50-8a61-b72c83d94e05"
WINDOWS_SERVER_SUBSCRIPTION_ID = "7b2a8c3d-4e5f-4061-9b72-c83d94e05f16"

# (order id, created, billing cycle, kind, [(offer, name, qty, term, subscription id)])
_ORDERS = (
    (SQL_SERVER_ORDER_ID, "2021-03-15T10:12:00Z", "annual", "software",
     [("DG7GMGF0FKZV:0002:DG7GMGF0D7JP", "SQL Server Standard - 2 Core License Pack", 4,
       "P3Y", SQL_SERVER_SUBSCRIPTION_ID)]),
    (WINDOWS_SERVER_ORDER_ID, "2021-09-20T08:30:00Z", "one_time", "perpetual",
     [("DG7GMGF0DWMS:0006:DG7GMGF0D3QM", "Windows Server 2022 Standard - 16 Core License Pack",
       2, "", WINDOWS_SERVER_SUBSCRIPTION_ID)]),
)


def _line(partner_id: str, number: int, offer: str, name: str, quantity: int, term: str,
          subscription_id: str) -> dict[str, Any]:
    """A completed order line as the documented sample shows one (subscriptionId set)."""
    return {"lineItemNumber": number, "offerId": offer, "subscriptionId": subscription_id,
            "termDuration": term, "transactionType": "New", "friendlyName": name,
            "quantity": quantity, "partnerIdOnRecord": partner_id}


def _record(tenant_id: str, partner_id: str, order_id: str, created: str, cycle: str,
            kind: str, lines: list[tuple[str, str, int, str, str]]) -> dict[str, Any]:
    """The stored form orders.py keeps: who, how it is cancelled, and the wire order."""
    wire_lines = [_line(partner_id, n, *line) for n, line in enumerate(lines)]
    order = {"id": order_id, "alternateId": order_id[:12],
             "referenceCustomerId": tenant_id, "billingCycle": cycle,
             "currencyCode": "USD", "currencySymbol": "$", "lineItems": wire_lines,
             "creationDate": created, "status": "completed", "transactionType": "UserPurchase",
             "attributes": {"objectType": "Order"}}
    return {"customerId": tenant_id, "polls": 0, "kind": kind,
            "subscriptionIds": [line[4] for line in lines], "wire": order}


def seeded(tenant_id: str, partner_id: str) -> dict[str, dict[str, Any]]:
    """The orders a fresh sandbox starts with, by id: bought by `tenant_id` through the
    reseller with MPN `partner_id`."""
    return {spec[0]: _record(tenant_id, partner_id, *spec) for spec in _ORDERS}
