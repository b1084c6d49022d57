"""An admin closes an order that Partner Center has nothing (more) to provision for.

An order Partner Center refused (a product no longer sold, 2091; a plan or seat limit,
800066, 800088: "cancel this order") stays needing attention, and a partly provisioned
order keeps its failed lines: both wait in the attention queue for good, and while an
order is open K6 counts its Business lines as on order (orders/snapshot.py), so the
customer could never buy that plan again. Closing ends every line not provisioned (its
status becomes `cancelled`); the provisioned lines and their subscriptions stay. The order
is then cancelled, or, when some lines were provisioned, stays partly provisioned with no
line failing; either way it is final, out of the attention queue and of K6's count.

Only when nothing can still be sent or be under way: the job is not queued, retrying or
running, and no line has a Partner Center order still provisioning, a checkout whose
answer was lost, or a licence count that may have reached Partner Center, unless Partner
Center, asked first (provisioning.doubts, buying and changing nothing), settles it: a
subscription it shows created, or licences it shows added, are recorded as provisioned and
the order is not closed (Provisioned); a cart it shows never checked out, an order it
ended, or a subscription still at the count a line started from, settle the line as not
done, and the order closes. Only when Partner Center cannot be reached, or shows a seat
count someone changed meanwhile (so whether the line's licences are in it cannot be told),
does the admin's own check close it ("I checked Partner Center: it holds no subscription
for line 1", or "it did not add the licences of line 2", CHECKED), named with the admin and
the reason in the order's history and the audit log. The order row, then the job row,
are taken by conditional UPDATEs (in the order a retry takes them, jobs._take_for_retry),
so a close and a racing retry or worker never both go ahead. The job is left `closed`, a
state no worker claims (jobs.claim) and no retry reopens: a closed order's job never runs
again. The close is written into the order's history and the audit log in the same
commit, and the buyer is told by email.
"""

from __future__ import annotations

from sqlalchemy import select, update

from accounts import audit
from accounts.models import User
from connectors.partner_center.client import PartnerCenterClient
from notifications import notify
from orders.models import Order, OrderLine, OrderStatus, ProvisioningJob
from persistence import db, utcnow
from provisioning.doubts import (
    ENDED,
    Answer,
    NotClosable,
    ask,
    checked_words,
    in_doubt,
    lines_words,
    numbers,
    open_lines,
)
from provisioning.jobs import CLOSED, RUNNABLE

CLOSABLE = (OrderStatus.NEEDS_ATTENTION, OrderStatus.PARTIALLY_PROVISIONED)
CHECKED = "checked_partner_center"  # the form field of the admin's own check


def check_closable(order: Order) -> None:
    """Refuse a close the order cannot take (NotClosable says why and what to do)."""
    label = f"Order {order.number}"
    if order.status not in CLOSABLE or not open_lines(order):
        raise NotClosable(
            f"{label} is {order.status.replace('_', ' ')}; only an order needing attention, "
            "or a partly provisioned order with lines not provisioned, can be closed.")
    job = order.job
    if job is not None and job.state == CLOSED:
        raise NotClosable(f"{label} was closed already.")
    if job is not None and job.state in RUNNABLE:
        raise NotClosable(
            f"{label} is queued or being provisioned: it may still send lines to Partner "
            "Center. Wait until it stops (its page shows the job), then close it.")


def _refuse_doubts(order: Order, settled: tuple[OrderLine, ...] = ()) -> None:
    """Refuse while a line is in doubt that Partner Center (or the admin) has not settled."""
    known = {line.id for line in settled}
    doubts = [f"line {line.line_number + 1} ({line.title}): {why}"
              for line in open_lines(order)
              if line.id not in known and (why := in_doubt(order, line))]
    if doubts:
        raise NotClosable(
            f"Order {order.number} cannot be closed: Partner Center may still provision "
            + "; ".join(doubts) + ". Retry provisioning, which reads back what Partner "
            "Center did, then close what is left; or ask Partner Center support.")


def closable(order: Order) -> bool:
    """Whether an admin may close the order now (its page shows the button)."""
    try:
        check_closable(order)
    except NotClosable:
        return False
    return True


def close_order(order: Order, actor: User, client: PartnerCenterClient | None = None, *,
                checked: bool = False) -> list[OrderLine]:
    """Close the order's lines not provisioned; return them. Lines in doubt are asked of
    Partner Center first (with a client; without one they refuse the close); when it cannot
    be reached, or shows a seat count someone changed, only the admin's own check
    (`checked`) closes them. Commits once."""
    check_closable(order)
    answer = ask(order, actor, client) if client is not None else Answer()
    if answer.unsettled and not checked:
        raise NotClosable(
            f"Order {order.number} cannot be closed: {answer.unsettled}. If you checked "
            f"Partner Center yourself and {checked_words(list(answer.doubts))}, tick \"I "
            "checked Partner Center\" and close again.")
    if not _take(order):
        db.session.rollback()
        raise NotClosable(f"Order {order.number} changed just now (a retry was requested, "
                          "or it was closed): read its page again.")
    db.session.expire_all()  # the lines as they are under the locks just taken
    try:
        _refuse_doubts(order, answer.doubts)
    except NotClosable:
        db.session.rollback()
        raise
    closed = open_lines(order)
    for line in closed:
        line.status = ENDED
    _record(order, closed, actor, answer)
    db.session.commit()
    return closed


def _take(order: Order) -> bool:
    """Lock the order while still closable, then close its job unless it may run."""
    now = utcnow()
    taken = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(CLOSABLE))
        .values(updated_at=now).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return False
    job = ProvisioningJob
    closed = db.session.execute(
        update(job).where(job.order_id == order.id, job.state.not_in((*RUNNABLE, CLOSED)))
        .values(state=CLOSED, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if closed == 1:
        return True
    if db.session.scalar(select(job.id).where(job.order_id == order.id)) is None:
        db.session.add(ProvisioningJob(order_id=order.id, state=CLOSED))  # an old order
        return True
    return False


def _record(order: Order, closed: list[OrderLine], actor: User, answer: Answer) -> None:
    """The order's new status and history, the audit event and the buyer's email; lines
    closed on the admin's own check (Partner Center unreachable, or showing a count someone
    changed) are named first, with why the check was needed."""
    kept = [line for line in order.lines if line.status == "provisioned"]
    status = OrderStatus.PARTIALLY_PROVISIONED if kept else OrderStatus.CANCELLED
    what = f"{lines_words(closed)} will not be provisioned"
    stays = (f"; {numbers(kept)}, provisioned, and the subscriptions bought stay as they "
             "are." if kept else "; nothing of the order was provisioned.")
    check = (f"{actor.email} checked Partner Center: {checked_words(list(answer.doubts))} "
             f"({answer.unsettled}). " if answer.unsettled else "")
    order.record(status, f"Closed by {actor.email}: {check}{what}{stays}")
    audit.record(audit.Kind.ORDER_CLOSED, actor=actor, email=order.placed_by.email,
                 reseller_id=order.reseller_id, customer_id=order.customer_id,
                 detail=f"Order {order.number}: {check}{what}.")
    subject = f"Order {order.number} is " + ("closed" if kept else "cancelled")
    notify([order.placed_by], subject,
           f"The provider closed order {order.number} for {order.customer.company_name}: "
           f"{what}, and nothing is charged for {'it' if len(closed) == 1 else 'them'}"
           f"{stays} The customer may order these plans again.", f"/orders/{order.id}")
