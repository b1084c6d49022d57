"""Azure usage under the sandbox's Azure plans: Microsoft's daily rated usage, billed.

Each Azure subscription under an Azure plan (azure.py's entitlements) runs one virtual
machine around the clock: a D2s v3 meter, 24 hours a day, from the day the plan was made
(or the subscription added) up to the sandbox's yesterday or the plan's cancellation. Each
day is one line with the attributes of Graph's billed usage export
(partners-billing-billedusage-export; the attribute list of partners-billing-attributeset),
valued as the daily rated usage reconciliation file describes them
(learn.microsoft.com/partner-center/billing/daily-rated-usage-recon-files):
- UnitPrice is the price list's price per unit, in the pricing currency (Azure plan
  prices are in USD here for every market);
- EffectiveUnitPrice is what is charged per unit after the partner earned credit
  (PartnerEarnedCreditPercentage, 0 or 15);
- PricingPreTaxTotal = Quantity x EffectiveUnitPrice; BillingPreTaxTotal is it in the
  partner's billing currency (x PCToBCExchangeRate);
- the line is billed on the invoice of its usage month (invoices.py issues one per month,
  on the next month's invoice day).
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.azure import azure_state
from connectors.partner_center.sandbox.billing import BILLING_CURRENCY, decimal_text
from connectors.partner_center.sandbox.customers import country_of
from connectors.partner_center.sandbox.state import Sandbox

# The meter every sandbox Azure subscription runs (Azure's public price list figures).
METER = {"MeterCategory": "Virtual Machines", "MeterSubCategory": "Dsv3 Series",
         "MeterName": "D2s v3", "MeterRegion": "US East", "MeterType": "1 Compute Hour",
         "Unit": "1 Hour", "UnitType": "1 Hour", "ConsumedService": "Microsoft.Compute",
         "ResourceLocation": "eastus", "ProductId": "DZH318Z0BQ3Q", "SkuId": "00F2",
         "AvailabilityId": "DZH318Z0BPVW",
         "ProductName": "Virtual Machines Dsv3 Series", "SkuName": "D2s v3"}
METER_ID = "d5b1bcb9-0a2a-4b1f-9e1a-4f2a3c1b7d10"
HOURS_A_DAY = Decimal(24)
UNIT_PRICE = Decimal("0.096")  # USD per hour
PARTNER_EARNED_CREDIT = Decimal(15)  # percent
PRICING_CURRENCY = "USD"
RATE = Decimal(1)  # PCToBCExchangeRate: USD pricing, USD billing


def lines(sb: Sandbox) -> Iterator[dict[str, Any]]:
    """Every day of usage of every Azure subscription under an Azure plan, up to yesterday."""
    last = sb.now().date() - timedelta(days=1)
    for plan_id, entitlements in azure_state(sb)["entitlements"].items():
        plan = sb.data["subscriptions"].get(plan_id)
        if plan is None or plan["wire"]["status"] == "pending":
            continue
        for entitlement in entitlements:
            yield from _days(sb, plan, entitlement, last, azure_state(sb).get(
                "created", {}).get(entitlement["id"]))


def billing_month(line: dict[str, Any]) -> str:
    """The month of the usage: the invoice it is billed on."""
    return str(line["UsageDate"])[:7]


def _days(sb: Sandbox, plan: dict[str, Any], entitlement: dict[str, Any], last: date,
          created: str | None) -> Iterator[dict[str, Any]]:
    first = _day(created or plan["wire"].get("creationDate") or "")
    cancelled = next((_day(e["at"]) for e in plan.get("billingEvents", [])
                      if e["kind"] == "cancel"), None)
    end = min(last, cancelled - timedelta(days=1)) if cancelled else last
    day = first
    while first and day <= end:
        yield _line(sb, plan, entitlement, day)
        day += timedelta(days=1)


def _day(value: str) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _line(sb: Sandbox, plan: dict[str, Any], entitlement: dict[str, Any],
          day: date) -> dict[str, Any]:
    """One day of one Azure subscription's usage, as the billed usage export writes it."""
    tenant = sb.data["customers"].get(plan["customerId"], {})
    profile = tenant.get("companyProfile", {})
    effective = UNIT_PRICE * (100 - PARTNER_EARNED_CREDIT) / 100
    pricing_total = HOURS_A_DAY * effective
    month_start = day.replace(day=1)
    month_end = day.replace(day=monthrange(day.year, day.month)[1])
    return {
        "PartnerId": seed.PARTNER_TENANT_ID, "PartnerName": "Contoso Sandbox Partner",
        "CustomerId": plan["customerId"], "CustomerName": profile.get("companyName", ""),
        "CustomerDomainName": profile.get("domain", ""),
        "CustomerCountry": country_of(sb, plan["customerId"]), "MpnId": "",
        "Tier2MpnId": plan["wire"].get("partnerId") or "", "InvoiceNumber": "",
        **METER, "MeterId": METER_ID, "PublisherName": "Microsoft", "PublisherId": "",
        "SubscriptionDescription": "Azure plan",
        # Microsoft's billing platform's id, "not the Subscription ID on the partner admin
        # console" (daily-rated-usage-recon-files): made from the plan's, not equal to it.
        "SubscriptionId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"billing:{plan['wire']['id']}")),
        "ChargeStartDate": f"{month_start.isoformat()}T00:00:00Z",
        "ChargeEndDate": f"{month_end.isoformat()}T00:00:00Z",
        "UsageDate": f"{day.isoformat()}T00:00:00Z", "ChargeType": "new",
        "ResourceGroup": "sandbox-rg",
        "ResourceURI": f"/subscriptions/{entitlement['id']}/resourceGroups/sandbox-rg/"
                       "providers/Microsoft.Compute/virtualMachines/vm1",
        "UnitPrice": decimal_text(UNIT_PRICE), "Quantity": decimal_text(HOURS_A_DAY),
        "EffectiveUnitPrice": decimal_text(effective),
        "PricingPreTaxTotal": decimal_text(pricing_total),
        "PricingCurrency": PRICING_CURRENCY,
        "BillingPreTaxTotal": decimal_text(pricing_total * RATE),
        "BillingCurrency": BILLING_CURRENCY, "PCToBCExchangeRate": decimal_text(RATE),
        "ServiceInfo1": "", "ServiceInfo2": "", "Tags": "", "AdditionalInfo": "",
        "EntitlementId": entitlement["id"],
        "EntitlementDescription": entitlement.get("friendlyName", ""),
        "PartnerEarnedCreditPercentage": decimal_text(PARTNER_EARNED_CREDIT),
        "CreditPercentage": "0", "CreditType": "", "BenefitOrderID": "", "BenefitID": "",
        "BenefitType": ""}
