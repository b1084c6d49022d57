"""Customer bases that exist in Partner Center before the storefront does.

`add_existing_customers(sandbox)`: the demo's (`make run`) handful of customers the
storefront did not create, with subscriptions of the demo catalog: some linked to the demo's
resellers, one direct, one of a reseller the demo does not have. The sandbox server adds
them when it starts. `add_bulk(sandbox, customers, subscriptions, seed)`: a large,
repeatable base for the import's tests and benchmark.

Records are built the way the sandbox's endpoints build them: a customer like a seeded
tenant (its `associatedPartnerId` names the indirect reseller, as GET {c}/relationships
reads it), a subscription through an order (orders.place), completed and dated back.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.partner_center import wire
from connectors.partner_center.sandbox import orders
from connectors.partner_center.sandbox import seed as seeded
from connectors.partner_center.sandbox.state import Sandbox

TERM_DAYS = {"P1M": 28, "P1Y": 360, "P3Y": 1090}  # how far back a term may have started


@dataclass(frozen=True)
class Plan:
    """Something the sandbox sells: a catalog item with one of its terms."""

    catalog_item_id: str
    term: str
    cycle: str
    max_quantity: int


@dataclass(frozen=True)
class Existing:
    """A demo customer already in Partner Center: who, under which reseller, what it has."""

    tenant_id: str
    domain: str
    company: str
    city: str
    country: str
    postal_code: str
    reseller_tenant: str | None  # None: a direct customer of the provider
    partner_mpn: str  # partnerId on its subscriptions ("" when direct)
    plans: tuple[tuple[str, str, str, int], ...]  # (product id, term, cycle, quantity)
    qualification: str = ""  # approved at Microsoft, e.g. "Education"


EXISTING = (
    Existing("0b6f3c2a-4d1e-4f8a-9c7b-1a2b3c4d5e01", "prosewareinc.onmicrosoft.com",
             "Proseware, Inc.", "Seattle", "US", "98101", seeded.RESELLER_TENANT_ID,
             seeded.RESELLER_MPN_ID, (("CFQ7TTC0LDPB", "P1Y", "annual", 25),
                                      ("CFQ7TTC0LFLZ", "P1M", "monthly", 10))),
    Existing("0b6f3c2a-4d1e-4f8a-9c7b-1a2b3c4d5e02", "woodgrovebank.onmicrosoft.com",
             "Woodgrove Bank", "New York", "US", "10001", seeded.RESELLER_TENANT_ID_2,
             seeded.RESELLER_MPN_ID_2, (("CFQ7TTC0LGNM", "P1Y", "monthly", 5),
                                        ("DG7GMGF0FKZV", "P1Y", "annual", 4))),
    Existing("0b6f3c2a-4d1e-4f8a-9c7b-1a2b3c4d5e03", "lamnahealthcare.onmicrosoft.com",
             "Lamna Healthcare University", "Boston", "US", "02108",
             seeded.RESELLER_TENANT_ID_2, seeded.RESELLER_MPN_ID_2,
             (("CFQ7TTC0LF5R", "P1Y", "annual", 120),), "Education"),
    Existing("0b6f3c2a-4d1e-4f8a-9c7b-1a2b3c4d5e04", "treyresearch.onmicrosoft.com",
             "Trey Research", "Portland", "US", "97201", None, "",
             (("CFQ7TTC0LDPB", "P1M", "monthly", 8), ("DG7GMGF0DWMS", "", "one_time", 1))),
    # Tailspin Consulting is a reseller in Partner Center but not in the demo storefront:
    # the import reports this customer instead of guessing.
    Existing("0b6f3c2a-4d1e-4f8a-9c7b-1a2b3c4d5e05", "humongousinsurance.onmicrosoft.com",
             "Humongous Insurance", "Chicago", "US", "60601",
             seeded.RESELLER_TENANT_ID_NO_MPA, seeded.RESELLER_MPN_ID_NO_MPA,
             (("CFQ7TTC0LFLZ", "P1Y", "annual", 40),)),
)

# Who bulk customers buy through: (reseller tenant, its MPN) or (None, "") for direct.
BULK_RESELLERS: tuple[tuple[str | None, str], ...] = (
    (seeded.RESELLER_TENANT_ID, seeded.RESELLER_MPN_ID),
    (seeded.RESELLER_TENANT_ID, seeded.RESELLER_MPN_ID),
    (seeded.RESELLER_TENANT_ID_2, seeded.RESELLER_MPN_ID_2),
    (seeded.RESELLER_TENANT_ID_2, seeded.RESELLER_MPN_ID_2),
    (None, ""),
)


def plans(sb: Sandbox) -> list[Plan]:
    """Every catalog item and term the sandbox sells (perpetual software: no term)."""
    found: dict[tuple[str, str, str], Plan] = {}
    for segment in (None, "nonprofit"):
        for product in sb.catalog.products(None, segment):
            for sku in sb.catalog.skus(product["id"], segment):
                for item in sb.catalog.availabilities(product["id"], sku["id"], "US", segment,
                                                      sb.data["availabilityIds"]):
                    terms = item["terms"] or [{"duration": "", "billingCycle": "one_time"}]
                    for term in terms:
                        plan = Plan(item["catalogItemId"], term["duration"],
                                    term["billingCycle"], sku.get("maximumQuantity", 100))
                        found[(plan.catalog_item_id, plan.term, plan.cycle)] = plan
    return list(found.values())


def add_customer(sb: Sandbox, tenant_id: str, domain: str, company: str, *,
                 reseller_tenant: str | None = None, city: str = "Redmond",
                 country: str = "US", postal_code: str = "98052") -> dict[str, Any]:
    """A customer tenant as GET /v1/customers/{id} shows it; the caller holds the lock."""
    record = seeded._tenant(tenant_id, domain, company, city, True)
    record["billingProfile"]["defaultAddress"] |= {
        "country": country, "postalCode": postal_code, "city": city,
        "state": "WA" if country == "US" and city == "Redmond" else ""}
    if reseller_tenant:
        record["associatedPartnerId"] = reseller_tenant
    sb.data["customers"][tenant_id] = record
    return record


def approve(sb: Sandbox, tenant_id: str, qualification: str) -> None:
    """A qualification Microsoft approved long ago (no vetting left)."""
    sb.data["qualifications"].setdefault(tenant_id, []).append(
        {"qualification": qualification, "vettingStatus": "Approved",
         "vettingCreatedDate": (sb.now() - timedelta(days=400)).isoformat(), "decided": True})


def add_subscription(sb: Sandbox, tenant_id: str, plan: Plan, quantity: int,
                     partner_mpn: str, start: datetime) -> dict[str, Any]:
    """An active subscription bought at `start` through an order, as checkout makes them;
    the caller holds the lock."""
    line = {"catalogItemId": plan.catalog_item_id, "quantity": quantity,
            "termDuration": plan.term, "billingCycle": plan.cycle,
            "participants": [{"key": "transaction_reseller", "value": partner_mpn}]
            if partner_mpn else []}
    item = sb.catalog.resolve(plan.catalog_item_id, sb.data["availabilityIds"])
    order = orders.place(sb, tenant_id, [(line, item)])
    return _complete(sb, order, plan, start)


def _complete(sb: Sandbox, order: dict[str, Any], plan: Plan,
              start: datetime) -> dict[str, Any]:
    """Complete a just-placed order and date it and its subscription back to `start`."""
    sub_id = sb.data["orders"][order["id"]]["subscriptionIds"][0]
    stamp = wire.iso(start)
    order |= {"status": "completed", "creationDate": stamp}
    order["lineItems"][0]["subscriptionId"] = sub_id
    record = sb.data["subscriptions"][sub_id]
    record["termStart"] = stamp
    record["wire"] |= {"status": "active", "creationDate": stamp, "effectiveStartDate": stamp,
                       "commitmentEndDate": wire.iso(orders.commitment_end(start, plan.term))}
    return record


def _started(sb: Sandbox, rng: random.Random, term: str) -> datetime:
    """A start inside the current term, so the commitment end is still ahead."""
    return sb.now() - timedelta(days=rng.randint(1, TERM_DAYS.get(term, 25)))


def add_existing_customers(sb: Sandbox) -> int:
    """The demo's pre-existing customers, once (a restarted sandbox keeps its state);
    returns how many were added."""
    by_product = {(p.catalog_item_id.split(":")[0], p.term, p.cycle): p for p in plans(sb)}
    rng, added = random.Random(17), 0  # noqa: S311 - demo dates, not security
    with sb.lock:
        for spec in (e for e in EXISTING if e.tenant_id not in sb.data["customers"]):
            add_customer(sb, spec.tenant_id, spec.domain, spec.company,
                         reseller_tenant=spec.reseller_tenant, city=spec.city,
                         country=spec.country, postal_code=spec.postal_code)
            if spec.qualification:
                approve(sb, spec.tenant_id, spec.qualification)
            for product, term, cycle, quantity in spec.plans:
                add_subscription(sb, spec.tenant_id, by_product[(product, term, cycle)],
                                 quantity, spec.partner_mpn, _started(sb, rng, term))
            added += 1
        if added:
            sb.changed()
    return added


def add_bulk(sb: Sandbox, customers: int = 2500, subscriptions: int = 6000, seed: int = 0,
             resellers: tuple[tuple[str | None, str], ...] = BULK_RESELLERS) -> list[str]:
    """`customers` tenants spread over `resellers`, every 20th with an approved Education
    qualification, and `subscriptions` spread over them at random; the same `seed` gives
    the same base. Returns the new tenant ids."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data
    catalog = plans(sb)
    with sb.lock:
        tenants = [_bulk_customer(sb, rng, number, resellers) for number in range(customers)]
        for _ in range(subscriptions):
            tenant_id, mpn = rng.choice(tenants)
            plan = rng.choice(catalog)
            add_subscription(sb, tenant_id, plan, rng.randint(1, min(50, plan.max_quantity)),
                             mpn, _started(sb, rng, plan.term))
        sb.changed()
    return [tenant_id for tenant_id, _ in tenants]


def _bulk_customer(sb: Sandbox, rng: random.Random, number: int,
                   resellers: tuple[tuple[str | None, str], ...]) -> tuple[str, str]:
    """One bulk tenant; answers its id and the MPN its subscriptions carry."""
    tenant_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    reseller_tenant, mpn = resellers[number % len(resellers)]
    add_customer(sb, tenant_id, f"bulkcustomer{number:05d}.onmicrosoft.com",
                 f"Bulk Customer {number:05d}", reseller_tenant=reseller_tenant)
    if number % 20 == 0:
        approve(sb, tenant_id, "Education")
    return tenant_id, mpn
