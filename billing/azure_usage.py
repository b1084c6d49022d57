"""B1 for the Azure plan: its Azure usage, billed monthly in arrears.

The plan itself costs nothing (the shop says so); what the buyer owes is the usage of the
Azure subscriptions under it, which Microsoft rates daily and bills the partner on the
invoice of the month of use, published on the 6th-8th of the next month. A billing run for
a month reads the usage on Microsoft's invoices of that month and the two before it
(Graph's billed usage export, connectors/graph/billing.py) and charges each buyer, per
Azure subscription and month of use, once:

- a direct customer pays the usage at the price list's price (UnitPrice x Quantity, in
  the billing currency, less any Azure credit): what Microsoft charges before the
  partner's earned credit;
- a reseller pays the provider's cost (what Microsoft billed, BillingPreTaxTotal) plus its
  markup on the Azure plan (else its default markup); with no markup, the price list's
  price, as for any product sold at no markup; its end customer's retail is the price
  list's price (for the reseller's re-invoice).

Amounts are summed exactly and rounded once per charge (B5); a charge is in the currency
Microsoft billed it in. Each charge's source (`azure:<invoice>:<tenant>:<Azure
subscription>:<currency>`) makes a repeated run add nothing. Usage of a tenant no customer
here has is not billed; the run lists it, as it lists usage of a tenant several customers
here share (K8) whose Azure plan and reseller of record name none of them
(billing/usage_holders.py). An invoice whose usage cannot be read yet is left for the next
run, which finds it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from accounts.models import Customer
from billing.models import AzureUsageToDate, Charge, ChargeType
from billing.periods import month_of, parse_month, previous_month
from billing.usage_holders import Holder, holders_of, usage_holder
from catalog.pricing import reseller_price
from catalog.queries import applied_markup, buyer_market, markups_for
from connectors.graph.billing_types import ExportFailed
from connectors.graph.errors import GraphError
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from persistence.money import round_money
from subscriptions.models import Subscription

AZURE_PLAN = "azure_plan"
NO_DATA = "5000"  # Graph's failedOperation code for an invoice with nothing to export
LOOKBACK = 2  # earlier months whose invoices a run reads again for usage not charged yet


class UsageInvoices(Protocol):
    """Partner Center's invoice list (PartnerCenterClient)."""

    def invoices_for(self, month: str) -> tuple[Any, ...]: ...


class UsageExports(Protocol):
    """Graph's billed usage export (GraphClient)."""

    def billed_usage(self, invoice_id: str) -> Iterable[Any]: ...


@dataclass
class _Used:
    """One Azure subscription's usage on one invoice, summed exactly."""

    name: str = ""
    customer_name: str = ""
    plan: str = ""  # the Azure plan's SubscriptionId, as the usage names it
    reseller_mpn: str = ""  # its Tier2MpnId: the reseller of record
    cost: Decimal = Decimal(0)
    listed: Decimal = Decimal(0)
    first: date | None = None
    last: date | None = None

    def add(self, item) -> None:
        self.name = self.name or item.entitlement_description
        self.customer_name = self.customer_name or item.customer_name
        self.plan = self.plan or item.subscription_id
        self.reseller_mpn = self.reseller_mpn or item.tier2_mpn_id
        self.cost += item.billing_pre_tax_total
        self.listed += item.list_total
        if item.usage_date:
            self.first = min(filter(None, (self.first, item.usage_date)))
            self.last = max(filter(None, (self.last, item.usage_date)))


def charge_usage(month: str, invoices: UsageInvoices, exports: UsageExports
                 ) -> tuple[int, list[str]]:
    """Charge, in `month`, the Azure usage on Microsoft's invoices of `month` and the two
    months before not charged yet; returns the charges added and what could not be billed. Not
    committed here (the run commits)."""
    first, _ = parse_month(month)
    added, problems = 0, []
    for used_in in _months_read(first):
        try:
            for invoice in invoices.invoices_for(used_in):
                found, unbilled = _charges(invoice.id, exports, month)
                added += found
                problems += unbilled
        except (GraphError, PartnerCenterError, ValueError) as error:
            problems.append(f"Azure usage of {used_in} could not be read from Microsoft "
                            f"({error}); run billing again to bill it.")
    return added, problems


def _months_read(first: date) -> list[str]:
    """The month and the LOOKBACK before it, oldest first: a run that did not happen (a
    stopped worker) leaves its usage to the next ones, not lost."""
    months = [month_of(first)]
    for _ in range(LOOKBACK):
        months.insert(0, previous_month(parse_month(months[0])[0]))
    return months


def _charges(invoice_id: str, exports: UsageExports, month: str) -> tuple[int, list[str]]:
    try:
        items = list(exports.billed_usage(invoice_id))
    except ExportFailed as failed:
        if failed.code == NO_DATA:  # the invoice bills no Azure usage
            return 0, []
        raise
    used = _summed(items, lambda i: (i.customer_id, i.entitlement_id, i.billing_currency))
    # One read of the invoice's customers and their resellers' markups, not one per line.
    holders = holders_of(tenant for tenant, _, _ in used)
    markups: dict[int, Mapping] = {}
    added, problems = 0, []
    for (tenant, entitlement, currency), usage in used.items():
        holder = _holder(holders.get(tenant, []), usage)
        if holder is None:
            problems.append(f"Azure usage of {usage.customer_name or tenant} "
                            f"({_named(usage.name, entitlement)}) on Microsoft's invoice "
                            f"{invoice_id} is not billed: "
                            f"{_unattributed(tenant, holders.get(tenant, []), usage)}")
            continue
        customer = holder.customer
        if customer.reseller_id is not None and customer.reseller_id not in markups:
            markups[customer.reseller_id] = markups_for(customer.reseller_id)
        # A usage charged already (this run's earlier read, or a racing run) adds nothing.
        added += _insert_once(_charge(
            f"azure:{invoice_id}:{tenant}:{entitlement}:{currency}", customer, entitlement,
            currency, usage, month, markups.get(customer.reseller_id)))
    return added, problems


def _summed(items: Iterable[Any], key: Callable[[Any], tuple]) -> dict[tuple, _Used]:
    """Usage lines summed exactly per key (a customer's Azure subscription, ...)."""
    used: dict[tuple, _Used] = {}
    for item in items:
        used.setdefault(key(item), _Used()).add(item)
    return used


def _holder(holders: list[Holder], usage: _Used) -> Holder | None:
    """K8: the customer here whose Azure plan the usage is, or None (not to be guessed)."""
    return usage_holder(holders, usage.plan, usage.reseller_mpn)


def _unattributed(tenant: str, holders: list[Holder], usage: _Used) -> str:
    """Why usage has no buyer here, for the provider's admins to resolve."""
    if not holders:
        return f"no customer here has the tenant {tenant}."
    return (f"the tenant {tenant} is shared by {len(holders)} customers here (K8) and its "
            f"Azure plan {usage.plan or '(not named)'}, reseller of record "
            f"{usage.reseller_mpn or '(not named)'}, is none of theirs; link the plan to "
            "its customer, then run billing again.")


def _insert_once(values: dict[str, Any]) -> int:
    """INSERT … ON CONFLICT (source) DO NOTHING: a run racing this one may have charged the
    same usage a moment ago (B4: runs may repeat and race; none doubles). 1 when added."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return db.session.execute(insert(Charge).values(**values).on_conflict_do_nothing(
        index_elements=["source"])).rowcount


def _plan_of(customer_id: int) -> Subscription | None:
    """The customer's Azure plan (its latest, ended or not: usage is billed after)."""
    return db.session.scalar(select(Subscription).where(
        Subscription.customer_id == customer_id, Subscription.family == AZURE_PLAN)
        .order_by(Subscription.id.desc()).limit(1))


def buyer_amounts(markups: Mapping | None, plan: Subscription | None, cost: Decimal,
                  listed: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """What the buyer pays for usage Microsoft charged `cost` for and lists at `listed`
    (`markups`: its reseller's, markups_for; None for a direct customer), and the price
    list's amount (a reseller's end customer's), each rounded once (B5)."""
    retail = round_money(listed, currency)
    if markups is None:
        return retail, retail
    markup = applied_markup(markups, plan.product_id if plan else None)
    return (reseller_price(cost, markup, currency) if markup is not None else retail), retail


def _charge(source: str, customer: Customer, entitlement: str, currency: str,
            usage: _Used, month: str, markups: Mapping | None) -> dict[str, Any]:
    plan = _plan_of(customer.id)
    amount, listed = buyer_amounts(markups, plan, usage.cost, usage.listed, currency)
    first, _ = parse_month(month)
    return {
        "source": source, "buyer_reseller_id": customer.reseller_id,
        "customer_id": customer.id, "subscription_id": plan.id if plan else None,
        "pc_subscription_id": (plan.pc_subscription_id or "") if plan else "",
        "charge_type": ChargeType.AZURE_USAGE,
        "description": f"Azure usage, {_period(usage)}: "
                       f"{_named(usage.name, entitlement)}"[:300],
        "quantity": 1, "unit_price": amount, "effective_unit_price": amount, "amount": amount,
        "retail_unit_price": listed if customer.reseller_id is not None else None,
        "currency": currency, "market": buyer_market(customer.country),
        "period_start": usage.first or first, "period_end": usage.last or first,
        "billing_month": month}


def _named(name: str, entitlement: str) -> str:
    """An Azure subscription as the invoice and the plan's page name it."""
    return f"{name or 'Azure subscription'} ({entitlement})"


def _period(usage: _Used) -> str:
    if usage.first is None or usage.last is None:
        return "this month"
    return f"{usage.first:%-d}–{usage.last:%-d %B %Y}"


@dataclass(frozen=True)
class UsageShown:
    """One month of one Azure subscription's usage as its viewer is billed it."""

    period_start: date
    period_end: date
    subscription: str  # the Azure subscription's name and id
    amount: Decimal
    currency: str


def usage_billed(subscription_id: int, *, retail: bool, limit: int = 24) -> list[UsageShown]:
    """The Azure plan's usage charges, newest first: what the buyer was charged, or with
    `retail` what a reseller invoices its end customer for it (never the reseller's cost)."""
    charges = db.session.scalars(select(Charge).where(
        Charge.subscription_id == subscription_id,
        Charge.charge_type == ChargeType.AZURE_USAGE)
        .order_by(Charge.period_start.desc(), Charge.id.desc()).limit(limit))
    # The description names the period, then the Azure subscription (_charge): the table
    # says the period in its own column.
    return [UsageShown(c.period_start, c.period_end,
                       c.description.partition(": ")[2] or c.description,
                       Decimal(c.retail_unit_price if retail and c.retail_unit_price is not None
                               else c.amount), c.currency) for c in charges]


# --- the current period, not invoiced yet ---------------------------------------------------

class UnbilledUsage(Protocol):
    """Graph's unbilled usage export (GraphClient)."""

    def unbilled_usage(self, currency_code: str) -> Iterable[Any]: ...


def refresh_usage_to_date(exports: UnbilledUsage, currency: str, now: datetime) -> int:
    """Read the Azure usage Microsoft has rated this billing period and not invoiced yet,
    in the partner's billing currency, and keep it per customer and Azure subscription in
    place of the last read; returns the rows kept. Usage of a tenant no customer here has,
    or of a shared tenant's plan none of its customers here holds (K8), is left out: the
    billing run lists it when invoiced. Commits once."""
    try:
        items = list(exports.unbilled_usage(currency))
    except ExportFailed as failed:
        if failed.code != NO_DATA:
            raise
        items = []  # nothing rated yet this period
    used = _summed(items, lambda i: (i.customer_id, i.entitlement_id))
    holders = holders_of((tenant for tenant, _ in used), ids=True)
    db.session.execute(delete(AzureUsageToDate).where(AzureUsageToDate.currency == currency))
    kept = 0
    for (tenant, entitlement), usage in used.items():
        holder = _holder(holders.get(tenant, []), usage)
        if holder is not None and usage.first and usage.last:
            db.session.add(AzureUsageToDate(
                customer_id=holder.customer, entitlement_id=entitlement,
                name=usage.name[:200], currency=currency, cost=usage.cost,
                listed=usage.listed, first_day=usage.first, last_day=usage.last,
                read_at=now))
            kept += 1
    db.session.commit()
    return kept


def usage_to_date(plan: Subscription, *, retail: bool) -> list[UsageShown]:
    """The plan's customer's usage so far this period, as the viewer would be billed it
    (`retail`: what its reseller invoices it), from the last read, by Azure subscription."""
    rows = db.session.scalars(select(AzureUsageToDate).where(
        AzureUsageToDate.customer_id == plan.customer_id)
        .order_by(AzureUsageToDate.name, AzureUsageToDate.entitlement_id))
    markups = markups_for(plan.reseller_id) if plan.reseller_id is not None else None
    shown = []
    for row in rows:
        amount, listed = buyer_amounts(markups, plan, Decimal(row.cost), Decimal(row.listed),
                                       row.currency)
        shown.append(UsageShown(row.first_day, row.last_day,
                                _named(row.name, row.entitlement_id),
                                listed if retail else amount, row.currency))
    return shown


def usage_read_at(customer_id: int) -> datetime | None:
    """When the usage so far was last read for this customer (None: never)."""
    return db.session.scalar(select(func.max(AzureUsageToDate.read_at)).where(
        AzureUsageToDate.customer_id == customer_id))
