"""B6: each month, Microsoft's invoice and its billed reconciliation line items are matched
to our charges (subscription, charge type, period, quantity, amount); every unmatched or
different line is listed for the provider's admins.

Microsoft's side comes from Partner Center's invoice list (which invoices cover the month)
and Graph's billed reconciliation export of each (connectors.graph.billing); ours from the
charge ledger's month (billing.charges), at our cost (billing.matching says how; which
price-list row is our cost, billing.expected_costs), with a late-seen change's charges
reconciled with Microsoft's month, whichever month billed them (billing.late_billed). The
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
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import or_, select

from accounts.models import Customer
from billing import late_billed
from billing.catch_ups import fold, is_catch_up
from billing.expected_costs import Costs, Renewals
from billing.matching import Finding, Key, MicrosoftGroup, OurGroup, key, match
from billing.models import Charge, ChargeType
from billing.periods import parse_month
from billing.reconciliation_models import (
    ItemKind,
    ReconciliationItem,
    ReconciliationRun,
    RunState,
)
from connectors.graph import GraphError
from connectors.partner_center import PartnerCenterError
from orders.models import OrderLine
from persistence import db, utcnow
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
        return compared(run, invoice_ids, exports)
    except (GraphError, PartnerCenterError, ValueError) as error:
        return finish(run, message=unreadable(error))


def compared(run: ReconciliationRun, invoice_ids: list[str],
             exports: ExportSource) -> ReconciliationRun:
    """`compare`, raising what reading Microsoft's lines raised (nothing stored then): a
    worker waits and reads again after a transient failure (billing.reconciliation_exports)."""
    microsoft = _microsoft(invoice_ids, exports, run)
    run.invoice_ids = ", ".join(invoice_ids)[:200]
    ours, earlier = _ours(run.month, run)
    findings, agreed = match(ours, microsoft)
    findings += late_billed.reconciled_earlier(earlier)
    run.matched = agreed
    run.items = [_item(f) for f in findings]
    for kind in ItemKind.ALL:
        setattr(run, kind, sum(1 for f in findings if f.kind == kind))
    agree = all(f.agrees for f in findings)
    run.state = RunState.MATCHED if agree else RunState.DISCREPANCIES
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


def _ours(month: str, run: ReconciliationRun
          ) -> tuple[dict[Key, OurGroup], dict[Key, OurGroup]]:
    """Our charges reconciled with the month's invoice, summed by key (a late-seen change's
    catch-up with the charge of its cycle, billing.catch_ups), and apart, the month's
    charges an earlier month's reconciliation compares (billing.late_billed)."""
    groups: dict[Key, OurGroup] = defaultdict(OurGroup)
    catch_ups: dict[Key, OurGroup] = defaultdict(OurGroup)
    earlier: dict[Key, OurGroup] = defaultdict(OurGroup)
    reconciled = or_(Charge.billing_month == month, late_billed.billed_later(month))
    costs = Costs(Renewals(month, reconciled))
    for charge, price_id, customer, title in db.session.execute(_charges(reconciled)):
        microsoft_month = late_billed.microsoft_month(charge)
        if microsoft_month > month:  # a whole credit `billed_later` read: its own month's
            continue
        into = (earlier if microsoft_month < month
                else catch_ups if is_catch_up(charge.source) else groups)
        group = into[key(charge.pc_subscription_id, charge.charge_type, charge.period_start,
                         charge.period_end)]
        group.add(charge.quantity, charge.unit_price, charge.effective_unit_price,
                  costs.of(charge, price_id))
        group.billed(charge.billing_month, microsoft_month)
        group.currency, group.subscription_id = charge.currency, charge.subscription_id
        group.customer_name, group.product = customer, title or charge.description
        if into is not earlier:  # counted by the run that compares it
            run.our_charges += 1
    return fold(dict(groups), dict(catch_ups)), dict(earlier)


def _charges(where):
    """Our charges for Partner Center subscriptions that Microsoft bills (`where`), with
    what the rows need, in batches."""
    return (select(Charge, OrderLine.price_id, Customer.company_name, Subscription.title)
            .join(Customer, Customer.id == Charge.customer_id)
            .outerjoin(OrderLine, OrderLine.id == Charge.order_line_id)
            .outerjoin(Subscription, Subscription.id == Charge.subscription_id)
            .where(where, Charge.pc_subscription_id != "",
                   Charge.charge_type.not_in(NOT_MICROSOFTS))
            .order_by(Charge.id).execution_options(yield_per=BATCH))


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
