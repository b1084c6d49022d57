"""What each destructive action does, in the words its confirmation uses (confirmation.py).

One function per action; each returns None when the action as asked harms nothing (selling
a product again, turning autorenew on, adding licenses), so only the harmful direction asks.
The page's dialog (via data-confirm) and the server's confirmation page read the same text.
"""

from __future__ import annotations

from billing.parties import invoice_money
from catalog.price_words import counted, frequency_words, term_words
from orders import rebuy
from provisioning import closing, doubts
from storefront.confirmation import Consequence
from storefront.templating import site_percent
from subscriptions.renewals import describe
from subscriptions.scheduled import scheduled_words
from subscriptions.support_answers import refund_granted

# Enrollment statuses that stop a customer's service (O8, O9), with what each means.
STOPPING = {
    "suspended": ("Suspend", "is suspended from today: its services stop, its data is kept "
                  "90 days and then deprovisioned, and only the provider can reactivate it, "
                  "after a payment or a new order (O8)."),
    "terminated": ("Terminate", "is terminated from today: its services stop, its data is "
                   "kept 90 days and then deprovisioned, and only the provider can "
                   "reactivate it, after a payment or a new order (O8)."),
    "expired": ("Expire", "expires today: its services stop and it can never be "
                "reactivated; to go on, the customer signs a renewal enrollment (O9)."),
}


def stop_selling(product) -> Consequence | None:
    if not product.enabled:
        return None
    return Consequence(
        f"Stop selling {product.title}",
        f"{product.title} leaves the shop at once: no reseller or customer can find or add "
        "it until you sell it again. Subscriptions already bought are not affected.")


def enrollment_status(row, target: str) -> Consequence | None:
    if target not in STOPPING:
        return None
    verb, outcome = STOPPING[target]
    return Consequence(f"{verb} enrollment {row.number}",
                       f"Enrollment {row.number} of {row.customer.company_name} {outcome}")


def overage_offset(row, month, amount=None) -> Consequence:
    """O3: an offset takes the order's commitment and credits the overage invoice, for good."""
    what = f"RMB {amount:,.2f}" if amount is not None else "as much as the order has left"
    return Consequence(
        f"Offset the {month:%Y-%m} overage of {row.number}",
        f"Offset {what} of the {month:%Y-%m} overage of enrollment {row.number} with the "
        "chosen order: that much of the order's commitment funds the overage instead of later "
        "usage, and a credit note takes it off the overage invoice. Neither can be undone.")


def subscription_conversion(row, account: str, subscription_id: str) -> Consequence:
    """Seed 000: the conversion is one-way; the subscription then bills against the enrollment."""
    return Consequence(
        f"Convert {subscription_id or 'the subscription'} into {row.number}",
        f"{'Subscription ' + subscription_id if subscription_id else 'The subscription'} "
        f"joins account {account} of enrollment "
        f"{row.number} and bills against it from today. The conversion is one-way: it can "
        "never be converted back to Online Purchase or trial. Services and deployments are "
        "not affected.")


def autorenew_off(sub) -> Consequence:
    # Its last day, as Microsoft dates the end (a UTC day) and the pages name it.
    ends = f"on {sub.last_day.isoformat()}" if sub.term_ends else "at the end of its term"
    return Consequence(
        f"Turn autorenew off for {sub.title}",
        f"{sub.title} for {sub.customer.company_name} will not renew: it ends {ends}. "
        # R3, as Microsoft's subscription-lifecycle page (new commerce) says it.
        "Partner Center then marks it expired: its users keep access for 30 days and "
        "nothing more is billed, then it is disabled for 90 days (administrators only) and "
        "deleted; it cannot be reactivated. You can turn autorenew on again until the end "
        f"date.{schedule_removed(sub)}")


def schedule_removed(sub) -> str:
    """R1: the sentence a mid-term change's confirmation adds when a change is scheduled
    for the renewal: Partner Center removes it (create-scheduled-changes)."""
    scheduled = scheduled_words(sub)
    if scheduled is None:
        return ""
    return (f" The change scheduled for the renewal ({scheduled}) is removed: Microsoft "
            "removes scheduled changes on any mid-term change, and it does not come back; "
            "schedule it again afterwards if it is still wanted.")


def change_licenses(sub, wanted: int, shown: int | None = None) -> Consequence | None:
    """S2: removing licenses is for good; any change removes a scheduled one (R1). Said
    from the seats Partner Center holds (`sub.quantity`, just read: services.read_seats);
    when they are not the `shown` ones the buyer's page counted from, the change is said
    again in either direction, so nobody confirms a change they did not see."""
    moved = _seats_moved(sub, shown)
    resent = (("seats", str(sub.quantity)),)  # what this confirmation counts from
    if wanted < sub.quantity:
        removed = sub.quantity - wanted
        return Consequence(
            f"Remove {counted(removed, 'license')} from {sub.title}",
            f"{moved}{sub.title} for {sub.customer.company_name} goes from {sub.quantity} to "
            f"{counted(wanted, 'license')} at once: {counted(removed, 'user')} "
            f"{'loses its' if removed == 1 else 'lose their'} license, and licenses removed "
            f"come back only by buying them again.{schedule_removed(sub)}", resent=resent)
    if wanted == sub.quantity or not (sub.next_term or moved):
        return None
    return Consequence(
        f"Change the licenses of {sub.title}",
        f"{moved}{sub.title} for {sub.customer.company_name} goes from {sub.quantity} to "
        f"{counted(wanted, 'license')} at once.{schedule_removed(sub)}", resent=resent)


def _seats_moved(sub, shown: int | None) -> str:
    """The sentence saying Partner Center holds other seats than the page counted from
    ("" when it holds those)."""
    if shown is None or shown == sub.quantity:
        return ""
    return (f"Partner Center now holds {counted(sub.quantity, 'license')}, not the "
            f"{shown} shown before: ")


def remove_markup(markup, default) -> Consequence:
    """A reseller's markup removed: it pays the default markup, or the retail price."""
    reseller = markup.reseller.company_name
    return Consequence(
        f"Remove the markup on {markup.product.title}" if markup.product
        else "Remove the default markup",
        f"{reseller} pays {markup_fallback(markup, default)} for {markup_subject(markup)} "
        f"from now on, instead of your cost plus {site_percent(markup.markup_percent)}; "
        "shop pages show the new prices at once. You can set a markup again at any time.")


def markup_subject(markup) -> str:
    return markup.product.title if markup.product else "every product without a markup of its own"


def markup_fallback(markup, default) -> str:
    """What the reseller pays once this markup is gone: `default` is its default markup
    (None: it has none), which a product's own markup stood in front of."""
    if markup.product_id is not None and default is not None:
        return f"your cost plus its default markup of {site_percent(default.markup_percent)}"
    return "your retail price"


def remove_country(entry, list_title: str) -> Consequence:
    return Consequence(
        f"Remove {entry.name} from “{list_title}”",
        f"Checkout stops applying “{list_title}” to customers in {entry.name} from the "
        "next order on; add the country again to restore it.")


def withdraw_tenant(customer) -> Consequence | None:
    if not customer.tenant_verified:
        return None
    return Consequence(
        f"Withdraw the tenant link of {customer.company_name}",
        f"{customer.company_name} is no longer shown to control its existing tenant: its "
        "orders are refused (K11) until control is shown again.")


def record_payment(invoice, amount=None) -> Consequence:
    """A payment cannot be edited or removed once recorded (billing.payments)."""
    money = invoice_money(invoice)
    what = f"a payment of {money(amount)}" if amount is not None else "this payment"
    if amount is not None and amount < 0:
        what = f"a reversal of {money(-amount)}"
    return Consequence(
        f"Record payment against {invoice.number}",
        f"Record {what} against invoice {invoice.number} of {invoice.buyer_name}: its "
        "balance due and status change at once. Payments are never edited or deleted; a "
        "mistake is corrected by recording a reversal with its reason.")


def withdraw_next_term(sub) -> Consequence | None:
    """R1: the renewal goes back to renewing the subscription as it is."""
    if not sub.next_term:
        return None
    return Consequence(
        f"Withdraw the change scheduled for {sub.title}",
        f"The change scheduled for the renewal of {sub.title} for "
        f"{sub.customer.company_name} is withdrawn: it renews with "
        f"{counted(sub.quantity, 'license')}, {term_words(sub.term_duration)}, "
        f"{frequency_words(sub.billing_cycle)}. You can schedule a change again "
        "until the renewal.")


def replace_next_term(sub, dropped, change) -> Consequence | None:
    """R1: a new schedule that names no other plan replaces a scheduled upgrade."""
    if dropped is None:
        return None
    return Consequence(
        f"Replace the change of plan scheduled for {sub.title}",
        f"The renewal of {sub.title} for {sub.customer.company_name} was to apply "
        f"{describe(dropped)}. This replaces it: it renews as {describe(change)}. You can "
        "schedule the upgrade again from the Upgrade page until the renewal.")


def suspend_subscription(sub) -> Consequence:
    """R5: users lose access at once; billing goes on."""
    return Consequence(
        f"Suspend {sub.title}",
        f"{sub.title} for {sub.customer.company_name} is suspended at once: its users lose "
        "access, Microsoft goes on billing it, autorenew is switched off and any change "
        "scheduled for the renewal is removed. It can be reactivated only until its term "
        "ends; still suspended then, it is disabled.")


def upgrade(sub, quantity: int) -> Consequence:
    """R4: the licenses leave this plan for the higher one at once."""
    return Consequence(
        f"Upgrade {counted(quantity, 'license')} of {sub.title}",
        f"{quantity} of the {counted(sub.quantity, 'license')} of {sub.title} for "
        f"{sub.customer.company_name} {'moves' if quantity == 1 else 'move'} to the higher "
        "plan at once, in a subscription "
        "ending on the same date; they cannot be moved back to this plan.")


def support_step(req, target: str) -> Consequence | None:
    """S3/S5/S6: approving a support request credits its refund; declining refuses it;
    closing ends the request. Reviewing harms nothing."""
    if target == "approved":
        buyer = req.reseller.company_name if req.reseller else req.customer.company_name
        return Consequence(f"Approve {req.number}",
                           f"{req.number} is approved and {buyer} is refunded: "
                           f"{refund_granted(req)} The requester is told at once, with "
                           "your answer; it cannot be undone.")
    if target == "declined":
        return Consequence(f"Decline {req.number}",
                           f"{req.number} is declined: the requester is told at once, with "
                           "your answer, that no refund will be given; it can then only be "
                           "closed.")
    if target == "closed":
        return Consequence(f"Close {req.number}",
                           f"{req.number} is closed for good: no further step or answer can "
                           "be given; a new request would have to be filed.")
    return None


def retry_order(order, refused) -> Consequence | None:
    """A retry buys the order's refused lines again, and says what the customer ordered
    since; an order needing attention with none resumes where it stopped and asks nothing."""
    if not refused:
        return None
    lines = ", ".join(f"line {ln.line_number + 1} ({ln.quantity} × {ln.title})"
                      for ln in refused)
    return Consequence(
        f"Buy the refused lines of order {order.number} again",
        f"Partner Center is asked again to buy {lines} for {order.customer.company_name}, "
        "through a new cart: each line it accepts starts a new subscription, billed like "
        "the rest of the order. The lines already provisioned and their subscriptions are "
        f"not changed. {_since(order)}")


def _since(order) -> str:
    """What the customer ordered after this order, so a retry does not buy it twice."""
    later = rebuy.bought_since(order)
    if not later:
        return "The customer has placed no order since this one."
    return ("Since this order the customer ordered: " + "; ".join(map(_ordered, later))
            + ". The checkout rules run again before anything is bought (K6, C4).")


def _ordered(order) -> str:
    """ORD-000004 (2 × Microsoft 365 E3, annual billing; provisioned)."""
    lines = ", ".join(f"{line.quantity} × {line.title}, {line.billing_cycle} billing"
                      for line in order.lines)
    return f"{order.number} ({lines}; {order.status.replace('_', ' ')})"


def close_order(order, lines, answer=None) -> Consequence:
    """Closing ends the order's lines not provisioned for good (provisioning.closing); what
    Partner Center said about lines in doubt comes first, and when it could not be reached
    the admin's own check is asked for (a checkbox)."""
    kept = any(line.status == "provisioned" for line in order.lines)
    after = ("The order stays partly provisioned: its provisioned lines and their "
             "subscriptions are not changed." if kept else "The order is cancelled.")
    text = (f"{closing.lines_words(lines)} of {order.customer.company_name} are never sent "
            f"to Partner Center again and are not charged. {after} The buyer is emailed, and "
            "the customer may order these plans again (K6 no longer counts them).")
    check = None
    if answer is None and (asked := doubts.askable(order)):
        text = (f"Partner Center is asked first about {closing.lines_words(list(asked))}, "
                "whose outcome is not known: a subscription it shows created, or licences it "
                "shows added, are recorded as provisioned and the order is not closed. "
                "Otherwise: " + text)
    elif answer is not None and answer.unsettled:
        text = (f"{answer.unsettled}: whether Microsoft created their subscriptions or added "
                "their licences is not known. Close only if you checked Partner Center "
                "yourself and it did not (tick the box; your check is named in the audit "
                "log). " + text)
        check = (closing.CHECKED, "I checked Partner Center: " + doubts.checked_words(
            list(answer.doubts), closing.lines_words))
    elif answer is not None and answer.doubts:
        text = f"{answer.said} {text}"
    return Consequence(f"Close order {order.number}", text, check)
