"""B6: each month, Microsoft's invoice and its billed reconciliation line items are matched
to our charges (subscription, charge type, period, quantity, amount); every unmatched or
different line is listed for the provider's admins.

Microsoft's side comes from Partner Center's invoice list (which invoices cover the month)
and Graph's billed reconciliation export of each (connectors.graph.billing); ours from the
charge ledger's month (billing.charges), at our cost (billing.matching says how). The
collaborators are given: `invoices` answers invoices_for(month), `exports` answers
billed_reconciliation(invoice id); in the app they are the Partner Center and Graph
clients. A run that cannot read Microsoft's data is kept as failed with the reason, so the
page says why; a run never changes a charge. Each run is a new record: `reconcile` (the
command) waits for Microsoft's exports and commits the run once; the admin's page records
one that a worker takes through the exports step by step (billing.reconciliation_exports),
then matches with `compare`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select

from accounts.models import Customer
from billing.matching import Finding, Key, MicrosoftGroup, OurGroup, key, match
from billing.models import Charge, ChargeType
from billing.periods import parse_month
from billing.reconciliation_models import (
    ItemKind,
    ReconciliationItem,
    ReconciliationRun,
    RunState,
)
from catalog import effective
from catalog.models import Price, Sku
from connectors.graph import GraphError
from connectors.partner_center import PartnerCenterError
from orders.models import OrderLine
from persistence import as_utc, db, utcnow
from subscriptions.models import Subscription

# A credit we give a buyer of our own accord is not Microsoft's to bill; Azure usage is on
# Microsoft's usage lines, not in the license-based reconciliation this compares with.
NOT_MICROSOFTS = (ChargeType.CUSTOMER_CREDIT, ChargeType.AZURE_USAGE)
BATCH = 1000


class InvoiceSource(Protocol):
    """Partner Center's invoice list (PartnerCenterClient)."""

    def invoices_for(self, month: str) -> tuple[Any, ...]: ...


class ExportSource(Protocol):
    """Graph's billed reconciliation export (GraphClient)."""

    def billed_reconciliation(self, invoice_id: str) -> Iterable[Any]: ...


def reconcile(month: str, *, invoices: InvoiceSource, exports: ExportSource,
              started_by_id: int | None = None, now: datetime | None = None
              ) -> ReconciliationRun:
    """Compare one billing month (YYYY-MM) with Microsoft's invoices for it, waiting for
    Microsoft's exports here (the command line); returns the stored run (state matched,
    discrepancies or failed). The admin's page waits in a worker instead
    (billing.reconciliation_exports)."""
    run = new_run(month, RunState.FAILED, started_by_id, now)
    try:
        found = invoices.invoices_for(month)
    except (GraphError, PartnerCenterError, ValueError) as error:
        return finish(run, message=unreadable(error))
    if not found:
        return finish(run, message=not_issued(month))
    return compare(run, [invoice.id for invoice in found], exports)


def new_run(month: str, state: str, started_by_id: int | None = None,
            now: datetime | None = None) -> ReconciliationRun:
    """A run of the month, not stored yet; refuses a month not written YYYY-MM."""
    parse_month(month)  # BillingInputError names the field and the fix
    return ReconciliationRun(month=month, state=state, started_by_id=started_by_id,
                             started_at=now or utcnow(), microsoft_lines=0, our_charges=0,
                             matched=0, exports=[], phase="", polls=0,
                             **dict.fromkeys(ItemKind.ALL, 0))


def not_issued(month: str) -> str:
    return (f"Microsoft has not issued an invoice for {month} yet (invoices appear between "
            "the 6th and 8th of the next month): run it again then.")


def unreadable(error: Exception) -> str:
    return f"Microsoft's billing data could not be read: {error}"


def compare(run: ReconciliationRun, invoice_ids: list[str],
            exports: ExportSource) -> ReconciliationRun:
    """Match the month's charges with the line items `exports` reads of each invoice, and
    store the run with what does not agree (or failed, with why)."""
    try:
        microsoft = _microsoft(invoice_ids, exports, run)
    except (GraphError, PartnerCenterError, ValueError) as error:
        return finish(run, message=unreadable(error))
    run.invoice_ids = ", ".join(invoice_ids)[:200]
    findings, agreed = match(_ours(run.month, run), microsoft)
    run.matched = agreed
    run.items = [_item(f) for f in findings]
    for kind in ItemKind.ALL:
        setattr(run, kind, sum(1 for f in findings if f.kind == kind))
    run.state = RunState.DISCREPANCIES if findings else RunState.MATCHED
    return finish(run)


def finish(run: ReconciliationRun, message: str = "") -> ReconciliationRun:
    """End the run and commit it: failed, saying why, when a `message` is given; else as
    compared."""
    run.message, run.finished_at, run.phase = message, utcnow(), ""
    if message:
        run.state = RunState.FAILED
    db.session.add(run)
    db.session.commit()
    return run


def _microsoft(invoice_ids: list[str], exports: ExportSource,
               run: ReconciliationRun) -> dict[Key, MicrosoftGroup]:
    """Microsoft's lines of every invoice of the month, summed by key as they stream."""
    groups: dict[Key, MicrosoftGroup] = defaultdict(MicrosoftGroup)
    for invoice_id in invoice_ids:
        for item in exports.billed_reconciliation(invoice_id):
            groups[key(item.subscription_id, item.charge_type, item.charge_start,
                       item.charge_end)].add(item)
            run.microsoft_lines += 1
    return dict(groups)


def _ours(month: str, run: ReconciliationRun) -> dict[Key, OurGroup]:
    """Our charges of the month for Partner Center subscriptions, summed by key."""
    groups: dict[Key, OurGroup] = defaultdict(OurGroup)
    costs = _Costs(_Renewals(month))
    query = (select(Charge, OrderLine.price_id, Customer.company_name, Subscription.title)
             .join(Customer, Customer.id == Charge.customer_id)
             .outerjoin(OrderLine, OrderLine.id == Charge.order_line_id)
             .outerjoin(Subscription, Subscription.id == Charge.subscription_id)
             .where(Charge.billing_month == month, Charge.pc_subscription_id != "",
                    Charge.charge_type.not_in(NOT_MICROSOFTS))
             .order_by(Charge.id).execution_options(yield_per=BATCH))
    for charge, price_id, customer, title in db.session.execute(query):
        group = groups[key(charge.pc_subscription_id, charge.charge_type, charge.period_start,
                           charge.period_end)]
        group.add(charge.quantity, charge.unit_price, charge.effective_unit_price,
                  costs.of(charge, price_id))
        group.currency, group.subscription_id = charge.currency, charge.subscription_id
        group.customer_name, group.product = customer, title or charge.description
        run.our_charges += 1
    return dict(groups)


class _Renewals:
    """The renewals our ledger charged (`renew` charges' first days) of the subscriptions
    charged in a month: the latest by the month's end of each is read in one query; an
    older one only for a charge that lies before it (a credit for an earlier period)."""

    def __init__(self, month: str) -> None:
        last = parse_month(month)[1]
        charged = select(Charge.subscription_id).where(Charge.billing_month == month)
        # .all(): a Result has keys() (its columns), which dict() would take for a mapping's.
        self._latest: dict[int, date] = dict(db.session.execute(
            select(Charge.subscription_id, func.max(Charge.period_start))
            .where(Charge.charge_type == ChargeType.RENEW, Charge.period_start <= last,
                   Charge.subscription_id.in_(charged))
            .group_by(Charge.subscription_id)).all())

    def before(self, subscription_id: int, day: date) -> date | None:
        """The first day of the latest renewal charged on or before `day`."""
        latest = self._latest.get(subscription_id)
        if latest is None or latest <= day:
            return latest
        return db.session.scalar(select(func.max(Charge.period_start)).where(
            Charge.subscription_id == subscription_id, Charge.charge_type == ChargeType.RENEW,
            Charge.period_start <= day))


class _Costs:
    """The provider's cost per unit of a charge, as Microsoft bills it: a charge of the
    term bought through our order line at that line's catalog price (the price when it was
    sold); a charge of a renewed term, or of a subscription with no order line, at the price
    of the same plan in the charge's currency in effect on its term's first day (Microsoft
    renews at the price list of the renewal's day and keeps it for the term)."""

    def __init__(self, renewals: _Renewals) -> None:
        self._renewals = renewals
        self._found: dict[tuple, Decimal | None] = {}

    def of(self, charge: Charge, price_id: int | None) -> Decimal | None:
        sub = db.session.get(Subscription, charge.subscription_id) \
            if charge.subscription_id else None
        renewed = None if sub is None else self._renewals.before(sub.id, charge.period_start)
        if price_id and renewed is None:
            ref: tuple = ("price", price_id)
        elif sub is None:
            return None
        else:
            ref = ("sub", sub.id, charge.currency, _term_began(sub, charge, renewed))
        if ref not in self._found:
            self._found[ref] = _line_cost(price_id) if ref[0] == "price" else \
                _catalog_cost(sub, charge.currency, ref[-1])
        return self._found[ref]


def _term_began(sub: Subscription, charge: Charge, renewed: date | None) -> date:
    """The day whose price-list row Microsoft bills the charge at (catalog/effective.py):
    its term's first day, the later of the last renewal our ledger charged by then and the
    mirror's current term's first day if the charge lies in that term; else, neither known,
    the charge's own first day."""
    first, end = _utc_day(sub.term_start), _utc_day(sub.term_end)
    current = first if first is not None and first <= charge.period_start and (
        end is None or charge.period_start < end) else None
    known = [day for day in (renewed, current) if day is not None]
    return max(known) if known else charge.period_start


def _line_cost(price_id: int) -> Decimal | None:
    price = db.session.get(Price, price_id)
    return None if price is None else Decimal(price.unit_price)


def _catalog_cost(sub: Subscription, currency: str, day: date) -> Decimal | None:
    """The cost of the subscription's plan in `currency` on `day`, in the tier of its
    licences (catalog/effective.py), as Microsoft prices it; else any row of the plan."""
    same = select(Price.unit_price, Price.sku_id, Price.term_duration, Price.billing_cycle,
                  Price.market, Price.currency, Price.tier_min, Price.tier_max,
                  Price.effective_start, Price.effective_end).join(Sku).where(
        Sku.product_id == sub.product_id, Price.term_duration == sub.term_duration,
        Price.billing_cycle == sub.billing_cycle, Price.currency == currency)
    sold = effective.selling(db.session.execute(same.where(
        Price.listed.is_(True), *effective.window_filter(day)).order_by(Price.id)).all(), day)
    if sold:
        cost = effective.tier_or_lowest(sold, sub.quantity).unit_price
    else:
        cost = db.session.scalar(same.order_by(Price.listed.desc(), Price.id).limit(1))
    return None if cost is None else Decimal(cost)


def _utc_day(moment: datetime | None) -> date | None:
    at = as_utc(moment)
    return None if at is None else at.astimezone(UTC).date()


def _item(finding: Finding) -> ReconciliationItem:
    ours, theirs, k = finding.ours, finding.microsoft, finding.key
    return ReconciliationItem(
        kind=finding.kind, pc_subscription_id=k.subscription,
        subscription_id=ours.subscription_id if ours else None,
        customer_name=((ours and ours.customer_name) or (theirs and theirs.customer_name)
                       or "")[:200],
        product=((ours and ours.product) or (theirs and theirs.product) or "")[:300],
        charge_type=k.charge_type, period_start=k.start, period_end=k.end,
        quantity_ours=finding.quantity_ours, quantity_microsoft=finding.quantity_microsoft,
        amount_ours=finding.amount_ours, amount_microsoft=finding.amount_microsoft,
        currency=finding.currency, invoice_id=theirs.invoice_id if theirs else "",
        note=finding.note)


def latest_runs(limit: int = 20) -> list[ReconciliationRun]:
    """The most recent runs, newest first (the admin page's history)."""
    return list(db.session.scalars(select(ReconciliationRun)
                                   .order_by(ReconciliationRun.id.desc()).limit(limit)))
