"""Orders as checkout leaves them (submitted, with a queued job), built without the checkout.

The default: a lite reseller known to the sandbox orders 3 monthly Microsoft 365 Business
Standard licenses, at the US prices `price_for` creates, for a new American customer whose
MCA confirmation is in the ledger (C7: a customer buys only at its own market's prices;
tests.conftest.move_to moves one to another market).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from accounts.models import Customer, MpaStatus, Reseller, Role, User
from accounts.services import new_user
from agreements.mca import Signer, record_acceptance
from catalog.models import Price, Product, Sku
from connectors.partner_center.sandbox import seed
from orders.models import Order, OrderLine, ProvisioningJob
from persistence import db
from tests.conftest import ADDRESSES

_numbers = itertools.count(1)
BUSINESS_STANDARD = ("CFQ7TTC0LDPB", "0001", "Microsoft 365 Business Standard",
                     "office365_business")
E3 = ("CFQ7TTC0LFLZ", "0001", "Microsoft 365 E3", "microsoft365")
AZURE_PLAN = ("DZH318Z0BPS6", "0001", "Azure plan", "azure_plan")
RESERVATION = ("DZH318Z0BQ4V", "0052", "Reserved VM Instance, Dv3 Series", "azure_reservation")


def reseller_user() -> User:
    """A reseller whose MPN ID the sandbox knows, and one of its users. One MPN ID names one
    reseller: when a test's world already holds it, the user joins that reseller."""
    user = db.session.scalar(select(User).where(User.email == "orders@reseller.example"))
    if user:
        return user
    reseller = db.session.scalar(
        select(Reseller).where(Reseller.mpn_id == seed.RESELLER_MPN_ID)) or Reseller(
        company_name="Adatum IT Services", mpn_id=seed.RESELLER_MPN_ID,
        mpa_status=MpaStatus.VERIFIED, tenant_id=seed.RESELLER_TENANT_ID, listed=True)
    user = new_user("orders@reseller.example", "pw-never-used-here", Role.RESELLER_USER,
                    reseller=reseller)
    db.session.add_all([reseller, user])
    db.session.commit()
    return user


def price_for(product: tuple[str, str, str, str], term: str = "P1M",
              cycle: str = "monthly") -> Price:
    """The catalog price row of a sandbox product, created on first use."""
    pc_product_id, pc_sku_id, title, family = product
    found = db.session.scalar(select(Price).join(Sku).join(Product).where(
        Product.pc_product_id == pc_product_id, Price.term_duration == term,
        Price.billing_cycle == cycle))
    if found:
        return found
    row = db.session.scalar(select(Product).where(Product.pc_product_id == pc_product_id)) \
        or Product(pc_product_id=pc_product_id, title=title, family=family)
    sku = row.skus[0] if row.skus else Sku(product=row, pc_sku_id=pc_sku_id, title=title)
    price = Price(sku=sku, term_duration=term, billing_cycle=cycle, market="US", currency="USD",
                  unit_price=Decimal("10"), erp_price=Decimal("12.5"))
    db.session.add_all([row, sku, price])
    db.session.commit()
    return price


def customer(user: User, name: str | None = None, **changes) -> Customer:
    """A new end customer of the user's reseller, with a free onmicrosoft.com prefix: in
    the US (the market of `price_for`'s rows: C7), or in the country asked for, at a valid
    address there (Partner Center checks the postal code and region against the country)."""
    n = next(_numbers)
    name = name or f"Contoso {n}"
    country = changes.get("country", "US")
    values = {"company_name": name, "contact_first_name": "Erika",
              "contact_last_name": "Mustermann", "email": f"it{n}@contoso.example",
              "phone": "+1 425 555 0100", "address_line1": "1 Main St",
              **ADDRESSES.get(country, {}), "country": country,
              "domain_prefix": f"contoso{n}x{id(user) % 997}"}
    found = Customer(reseller=user.reseller, **(values | changes))
    if found.tenant_mode == "existing":  # K11: checkout let it through, so it was shown
        found.verify_tenant("partner_center", datetime.now(UTC))
    db.session.add(found)
    db.session.commit()
    return found


def make_order(user: User | None = None, buyer: Customer | None = None, *,
               lines: tuple = ((BUSINESS_STANDARD, 3),), mca: bool = True,
               add_to=None) -> Order:
    """A submitted order with its queued job, as place_order commits it."""
    user = user or reseller_user()
    buyer = buyer or customer(user)
    order = Order(idempotency_key=f"test-{next(_numbers)}",
                  customer=buyer, reseller=buyer.reseller, placed_by=user,
                  tenant_mode="existing" if buyer.tenant_id else buyer.tenant_mode,
                  domain_prefix=buyer.domain_prefix)
    if mca:
        order.mca_acceptance_id = _confirm_mca(buyer, user).id
    # A line is (product, quantity), or (product, quantity, term, billing cycle).
    for number, (product, quantity, *terms) in enumerate(lines):
        order.lines.append(_line(number, price_for(product, *terms), quantity, buyer, add_to))
    order.record("submitted", "Order placed.")
    db.session.add_all([order, ProvisioningJob(order=order)])
    db.session.commit()
    return order


def _line(number: int, price: Price, quantity: int, buyer: Customer, add_to) -> OrderLine:
    """One order line; `add_to` makes it an add-licenses line for that subscription."""
    product = price.sku.product
    return OrderLine(
        line_number=number, product=product, price=price, pc_product_id=product.pc_product_id,
        pc_sku_id=price.sku.pc_sku_id, title=product.title, family=product.family,
        billing_cycle=price.billing_cycle, term_duration=price.term_duration,
        quantity=quantity, unit_price=price.unit_price, currency=price.currency,
        action="add_licenses" if add_to else "new_subscription", target_subscription=add_to,
        partner_of_record=buyer.reseller.mpn_id if buyer.reseller else "")


def _confirm_mca(buyer: Customer, user: User):
    """The reseller's confirmation that its customer accepted the MCA (K5 ledger)."""
    return record_acceptance(customer=buyer, user=user,
                             signer=Signer("Erika", "Mustermann", buyer.email),
                             template_id=seed.MCA_TEMPLATE_ID, version="2024-01",
                             date_agreed=date(2024, 6, 3))
