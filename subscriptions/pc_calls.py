"""One Partner Center call of a storefront write to a subscription: a fresh MS-RequestId,
Partner Center's answer mirrored, and a refusal kept in the history and said in the words
of our rules (S2, S3, S6, R5), so pages and the REST API show the same reason.
"""

from __future__ import annotations

import uuid

from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.errors import PartnerCenterError
from persistence import db
from subscriptions import rules
from subscriptions.errors import SubscriptionRefused
from subscriptions.mirror import mirror
from subscriptions.models import Subscription
from subscriptions.write_answer import mirror_answer

# Partner Center's own refusals, in the words of our rules.
PC_CODES = {"900213": ("S3", "S3.cancellation_window_closed"),
            "900117": ("S6", "S6.credit_window_closed"),
            "900214": ("S2", "S2.reduction_window_closed"),
            "900257": ("S2", "S2.reduction_window_closed"),
            "800091": ("R5", "R5.suspended"),
            "20000": ("PC", "PC.order_not_found"),
            "800061": ("S6", "S6.order_not_cancellable"),
            "800063": ("S6", "S6.not_cancellable_by_order")}
ORDER_NOT_FOUND = "20000"
# An order PATCH refusing the line it named (cancel_order.json): Partner Center's own words
# ("Use PATCH /customers/...") are nothing a buyer can act on.
ORDER_LINE_REFUSED = {
    "800061": "Partner Center refused to cancel this purchase (800061: the order can't be "
              "cancelled)",
    "800063": "Partner Center cancels the line of order {order} this licence is recorded "
              "under only through its subscription, not as perpetual software (800063)"}
# "Subscription quantity can't be decreased" (error-codes): what a software subscription
# answers on any day, and also new commerce's answer outside the seats' 7 days (the sample
# of change-the-quantity-of-a-subscription), so it is named by what the subscription is.
NO_DECREASE = "800090"


def send(sub: Subscription, user, kind: str, call, needs: str = "pc_subscription_id", *,
          client: PartnerCenterClient | None = None) -> str:
    """Run one connector call with a fresh MS-RequestId and mirror Partner Center's answer
    (`asked`); the request id. With `client`, a write that changes no seats and no status
    the sync bills (autorenew, a suspension, a schedule) first writes what the answer shows
    changed in Partner Center itself as billed (subscriptions.write_answer, B2/B3)."""
    request_id, remote = asked(sub, user, kind, call, needs)
    if remote is not None and client is not None:
        mirror_answer(sub, remote, client)
    elif remote is not None:
        mirror(sub, remote)
    return request_id


def asked(sub: Subscription, user, kind: str, call, needs: str = "pc_subscription_id"):
    """Run one connector call with a fresh MS-RequestId; the request id and Partner Center's
    answer. A refusal is kept in the history.

    `needs` is the Partner Center id the call is addressed by: a subscription known only
    here (not provisioned yet, or recorded by hand) has none to send."""
    if not (sub.tenant_id and getattr(sub, needs)):
        raise SubscriptionRefused(rules.Refusal(
            "PC", "PC.not_in_partner_center", "This subscription is not in Partner Center "
            "yet, so it cannot be changed there; it can be once provisioning records it."))
    request_id = str(uuid.uuid4())
    try:
        remote = call(request_id)
    except PartnerCenterError as exc:
        db.session.rollback()
        sub.record(f"{kind}_refused", _refused_words(exc), user, request_id)
        db.session.commit()
        raise SubscriptionRefused(_refusal(sub, exc)) from exc
    return request_id, remote


def _refused_words(exc: PartnerCenterError) -> str:
    """The history's line for a call Partner Center refused or did not answer."""
    if exc.code is None and exc.http_status is None:
        return f"Partner Center did not answer: {exc.meaning}"
    return f"Partner Center refused ({exc.code or exc.http_status}): {exc.meaning}"


def _refusal(sub: Subscription, exc: PartnerCenterError) -> rules.Refusal:
    """Partner Center's refusal in the words of our rules."""
    if exc.code == NO_DECREASE:
        return _no_decrease(sub, exc)
    rule, code = PC_CODES.get(exc.code or "", ("PC", pc_code(exc)))
    return rules.Refusal(rule, code, _explained(sub, exc))


def pc_code(exc: PartnerCenterError) -> str:
    """The problem code of a Partner Center error without a rule of ours: its own code, else
    its HTTP status, else "PC.unanswered" (a timeout or a lost connection has neither, and
    was "PC.None")."""
    return f"PC.{exc.code or exc.http_status or 'unanswered'}"


def _no_decrease(sub: Subscription, exc: PartnerCenterError) -> rules.Refusal:
    """S2: 800090 on a software subscription is its seats being fixed; on any other it is
    S2's refused reduction, with Partner Center's own reason (no window is claimed)."""
    if rules.SOFTWARE_SUBSCRIPTION in (sub.family, sub.product.family):
        return rules.Refusal("S2", "S2.software_no_reduction", exc.meaning)
    reason = exc.description.strip()
    reason += "" if reason.endswith((".", "!", "?")) else "."
    return rules.Refusal("S2", "S2.reduction_window_closed",
                         f"Partner Center did not remove the licenses ({exc.code}): {reason} "
                         "Licenses can be removed only within 7 days of being added (S2); "
                         "the subscription page shows how many may be now.")


def _explained(sub: Subscription, exc: PartnerCenterError) -> str:
    """Partner Center's refusal for people: an unknown order (20000) and an order line it
    will not cancel (800061, 800063) say what to do, as Partner Center's words left the
    buyer nowhere to go; others keep Partner Center's meaning."""
    if exc.code in ORDER_LINE_REFUSED:
        return (f"Nothing was cancelled or credited: "
                f"{ORDER_LINE_REFUSED[exc.code].format(order=sub.pc_order_id)}. Perpetual "
                "software is cancelled by its own line of its order within 30 days of "
                "purchase (S6); ask your provider to check this purchase in Partner Center.")
    if exc.code != ORDER_NOT_FOUND:
        return exc.meaning
    return (f"Nothing was cancelled or credited: Partner Center has no order "
            f"{sub.pc_order_id} for this customer, the order this purchase is recorded "
            "under. Ask your provider to find the purchase in Partner Center and correct "
            "its order, then cancel again before the cancellation window closes.")
