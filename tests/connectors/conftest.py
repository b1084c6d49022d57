"""Partner Center fixtures: a fresh sandbox, the real client routed to it, and shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from connectors.partner_center import (
    Address,
    CartLineRequest,
    Contact,
    Customer,
    NewCustomer,
    PartnerCenterClient,
)
from connectors.partner_center.sandbox import seed

BUSINESS_STANDARD = ("CFQ7TTC0LDPB", "0001")
US_ADDRESS = Address("1 Microsoft Way", "Redmond", "98052", "US", "WA", first_name="Ada",
                     last_name="Lovelace", phone_number="4255550100")


@pytest.fixture
def make_customer(pc_client: PartnerCenterClient) -> Callable[..., Customer]:
    """Create a US customer tenant in the sandbox, optionally with an MCA on record."""

    def make(prefix: str = "newco", *, mca: bool = True) -> Customer:
        created = pc_client.create_customer(NewCustomer(
            f"{prefix}.onmicrosoft.com", f"{prefix.title()} Ltd", f"it@{prefix}.com",
            US_ADDRESS))
        if mca:
            template = pc_client.get_agreement_templates()[0].template_id
            pc_client.create_customer_agreement(
                created.id, template, Contact("Ada", "Lovelace", f"ada@{prefix}.com"),
                datetime(2025, 1, 1, tzinfo=UTC))
        return created

    return make


@pytest.fixture
def line(pc_client: PartnerCenterClient) -> Callable[..., CartLineRequest]:
    """A cart line for a product's current availability (re-read, as Partner Center advises)."""

    def build(product: tuple[str, str] = BUSINESS_STANDARD, quantity: int = 1,
              term: str = "P1M", cycle: str = "monthly", segment: str | None = None,
              reseller: str = seed.RESELLER_MPN_ID) -> CartLineRequest:
        availability = pc_client.list_availabilities(*product, "US", segment)[0]
        return CartLineRequest(availability.catalog_item_id, quantity, term, cycle,
                               reseller_mpn_id=reseller)

    return build
