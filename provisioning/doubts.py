"""An admin's close asks Partner Center what became of an order's lines in doubt, buying
and changing nothing (provisioning.closing closes what is left).

A line is in doubt when a write of it was sent and its answer never came: a checkout, a
Partner Center order still provisioning, or the absolute seat count of an add-licenses line
(stored before its PATCH, provisioning.licenses). Each is read back as provisioning reads
it:
- a new line through purchase.look_up (the stored cart, or lost_carts.adopt when Partner
  Center no longer has it), then the orders' subscriptions: one it shows is recorded as
  provisioned and the order is not closed (Provisioned); a cart never checked out, or an
  order it ended, means nothing was created;
- an add-licenses line through licenses.look_up, reading the subscription: at the line's
  count the licences were added (recorded as provisioned, Provisioned); at the count it
  started from nothing changed; any third count was changed by someone meanwhile, and
  whether the line's licences are in it cannot be told from the count.
Only when Partner Center cannot be reached, or shows such a count, is the admin's own check
asked for (closing): the admin reads the subscription's activity log in Partner Center. A
close on that check is safe for the money: seats Partner Center holds beyond the mirror are
billed by the hourly sync as a change made there (subscriptions.seen_changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from connectors.partner_center.client import PartnerCenterClient
from connectors.partner_center.errors import PartnerCenterError
from orders.models import Order, OrderLine
from persistence import db
from provisioning import licenses, purchase, results
from provisioning.attention import NeedsAttention
from provisioning.steps import StillProvisioning

ENDED = "cancelled"  # a closed line's status
SETTLED = ("provisioned", ENDED)
ADDS = "add_licenses"  # an add-licenses line's action


class NotClosable(Exception):
    """Why an order cannot be closed (now); nothing was done."""


class Provisioned(Exception):
    """Partner Center shows lines in doubt created (or their licences added): they are
    recorded as provisioned and the order is not closed."""


@dataclass(frozen=True)
class Answer:
    """What asking Partner Center about the order's lines in doubt gave: `doubts` were
    asked; `unsettled` says why its answer does not settle them, so that only the admin's
    own check closes them ("" when it does: it could not be reached, or shows a seat count
    someone changed meanwhile); `said` is its answer in words."""

    doubts: tuple[OrderLine, ...] = ()
    unsettled: str = ""
    said: str = ""


def open_lines(order: Order) -> list[OrderLine]:
    """The lines a close ends: every line not provisioned and not closed already."""
    return [line for line in order.lines if line.status not in SETTLED]


def in_doubt(order: Order, line: OrderLine) -> str | None:
    """Why Partner Center may still provision the line, or None when it cannot."""
    if line.pc_order_id and line.status != "failed":
        return f"its Partner Center order {line.pc_order_id} may still be provisioning"
    if line.action == ADDS:
        if line.target_quantity is not None:  # stored before the PATCH, cleared on refusal
            return f"its new count of {line.target_quantity} licences may have been sent"
        return None
    if line.status == "pending" and order.pc_checkout_request_id:
        return "its cart was checked out and Partner Center's answer is not known yet"
    return None


def askable(order: Order) -> tuple[OrderLine, ...]:
    """The lines in doubt Partner Center is asked about before a close."""
    return tuple(line for line in open_lines(order) if in_doubt(order, line))


def ask(order: Order, actor: User, client: PartnerCenterClient) -> Answer:
    """Ask Partner Center about the lines in doubt, buying and changing nothing. Raises
    Provisioned when it shows some done (they are recorded so), NotClosable when it is
    still at work on them or refuses to say."""
    doubts = askable(order)
    if not doubts:
        return Answer()
    try:
        seats = {line.id: licenses.look_up(order, line, client)
                 for line in doubts if line.action == ADDS}
        changed = _changed(order, [ln for ln in doubts if ln.id in seats], seats)
        _look_up_new_lines(order, client)
    except (StillProvisioning, NeedsAttention) as answer:
        db.session.rollback()
        raise NotClosable(f"Order {order.number} cannot be closed: asked about "
                          f"{lines_words(list(doubts))}, Partner Center answers: {answer} "
                          "Retry provisioning once it is done, then close what is left."
                          ) from answer
    except PartnerCenterError as error:
        db.session.rollback()
        if not error.retryable:
            raise NotClosable(f"Order {order.number} cannot be closed: Partner Center "
                              f"refused to be asked ({error.meaning}).") from error
        return Answer(doubts, f"Partner Center could not be reached to ask about "
                              f"{lines_words(list(doubts))} ({error.description})")
    _keep_found(order, [line for line in doubts if line.status == "provisioned"], actor)
    if changed:
        return Answer(doubts, changed)
    return Answer(doubts, said=_not_done_words(doubts, seats))


def _look_up_new_lines(order: Order, client: PartnerCenterClient) -> None:
    """Read back the new lines as provisioning does: the lost checkout's cart, then the
    orders' subscriptions."""
    new_lines = [line for line in order.lines if line.action != ADDS]
    if order.pc_checkout_request_id and any(ln.status == "pending" for ln in new_lines):
        purchase.look_up(order, new_lines, client)
    results.await_subscriptions(order, client)
    results.mirror_subscriptions(order, client)


def _changed(order: Order, lines: list[OrderLine], seats: dict[int, int]) -> str:
    """Why the seat counts do not settle the lines: a subscription shows neither the count
    a line started from nor the one it sent, so someone changed it meanwhile and whether
    the line's licences are in it cannot be told ("" when every count settles its line)."""
    said = []
    for line in lines:
        start, target = line.target_quantity - line.quantity, line.target_quantity
        if seats[line.id] in (start, target):
            continue
        number, subscription = line.line_number + 1, line.target_subscription
        said.append(
            f"Partner Center shows {seats[line.id]} licences on subscription "
            f"{subscription.pc_subscription_id} ({line.title}), neither the {start} it had "
            f"before line {number} nor the {target} line {number} sent, so someone changed "
            f"the count meanwhile and whether the {line.quantity} licences of line {number} "
            "were added cannot be told: find the change in the subscription's activity log "
            "in Partner Center")
    return "; ".join(said)


def _not_done_words(doubts: tuple[OrderLine, ...], seats: dict[int, int]) -> str:
    """Partner Center's answer for the lines it shows not done, as the confirmation says."""
    new = [line for line in doubts if line.action != ADDS]
    said = [f"Partner Center shows no subscription for {lines_words(new)}: nothing was "
            "bought for them."] if new else []
    said += [f"Partner Center shows subscription {line.target_subscription.pc_subscription_id}"
             f" still has {seats[line.id]} licences: the {line.quantity} of line "
             f"{line.line_number + 1} were never added." for line in doubts if line.id in seats]
    return " ".join(said)


def _keep_found(order: Order, found: list[OrderLine], actor: User) -> None:
    """Record the lines Partner Center shows done and settle the order as provisioning
    would (its job is done); raise Provisioned to say the order was not closed."""
    if not found:
        return
    order.record(order.status, f"{actor.email} asked to close the order: Partner Center "
                 f"shows {lines_words(found)} done, recorded as provisioned; the order "
                 "was not closed.")
    if all(line.status in ("provisioned", "failed") for line in order.lines):
        if order.job is not None:
            order.job.state = "done"
        results.finish(order)  # commits; the buyer is told the outcome
    db.session.commit()
    raise Provisioned(f"Partner Center shows {lines_words(found)} of order {order.number} "
                      "done (subscription created or licences added): recorded as "
                      "provisioned, so the order was not closed; it is "
                      f"{order.status.replace('_', ' ')}.")


def lines_words(lines: list[OrderLine]) -> str:
    """The lines as pages and mail name them: line 2 (3 × Microsoft 365 E3)."""
    return ", ".join(f"line {line.line_number + 1} ({line.quantity} × {line.title})"
                     for line in lines)


def numbers(lines: list[OrderLine]) -> str:
    """Line 1, or lines 1 and 3: the lines' numbers as the order's page shows them."""
    named = [str(line.line_number + 1) for line in lines]
    if len(named) == 1:
        return f"line {named[0]}"
    return f"lines {', '.join(named[:-1])} and {named[-1]}"


def checked_words(lines: list[OrderLine], name=numbers) -> str:
    """What the admin's own check of Partner Center states about the lines in doubt (the
    checkbox, the order's history, the audit log)."""
    new = [line for line in lines if line.action != ADDS]
    more = [line for line in lines if line.action == ADDS]
    said = [f"it holds no subscription for {name(new)}"] if new else []
    said += [f"it did not add the licences of {name(more)}"] if more else []
    return " and ".join(said)
