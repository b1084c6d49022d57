"""Cancellation by support request: what cannot be cancelled online is asked for instead.

Policy:
- A live subscription whose online cancellation a rule refuses — S5 (RedHat, SUSE: never),
  S3 (past 168 hours of the term), S6 (perpetual software past 30 days) — may have a
  support request filed by a buyer who sees it: the refund reason, the amount asked for
  (in the subscription's currency), and a contact name, email and phone. Anything can
  still be cancelled online gets no request: the page's Cancel does it.
- The provider's admins take it through submitted → in review → approved or declined
  (with the answer text, which the requester reads) → closed; no other step, and one
  step at a time: two admins answering at once take turns, and the second is refused.
- Approving grants the refund asked for: the subscription's history records it, and the
  next billing run credits exactly that amount (billing.charges, B3), as a credit note of
  the invoice that charged it. It does not cancel the subscription: Partner Center refuses
  that here (the rule that brought the request), so approval says what stays as it is and
  what the provider can still do. Declining gives no refund, and says so.
- One request at a time per subscription: while one is submitted or in review, filing
  another is refused, naming it (a form sent twice filed two, and approving both refunded
  twice); once it is answered another may be filed.
- Filing tells every active provider admin; each status change tells the requester (in
  the app and by email, through the outbox) and, by email, the form's contact when that is
  another address.
- The contact is someone the requester's company stands for (`contacts`): an active user
  of its company or of the customer it files for, whose sign-in address its holder
  confirmed (sign-up, invitation and email change each mail a link first), or a reseller's
  contact address on file, which only the provider's admins set. Any other address is
  refused: mailing whatever was typed let anyone signed in make the provider's mail server
  write to any address in the provider's name. A customer's own contact address is not
  one: its company (and its reseller) type it, unconfirmed, so it would only move the
  relay to another form. The check is repeated before each email, for requests filed
  before it and contacts who have left since.
Each problem names the field and the fix; its rule is the one that refused the online
cancellation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select

from accounts.models import Role, User
from persistence import db
from refusals import Refused
from subscriptions import rules
from subscriptions.committed import committed
from subscriptions.models import Subscription
from subscriptions.quotes import buyer_money
from subscriptions.services import facts, price_of
from subscriptions.support_models import SupportRequest

STATUSES = ("submitted", "in_review", "approved", "declined", "closed")
LABELS = {"submitted": "Submitted", "in_review": "In review", "approved": "Approved",
          "declined": "Declined", "closed": "Closed"}
NEXT = {"submitted": ("in_review",), "in_review": ("approved", "declined"),
        "approved": ("closed",), "declined": ("closed",), "closed": ()}
ANSWERED = ("approved", "declined")  # these steps carry the provider's answer
OPEN = ("submitted", "in_review")  # not answered yet: one at a time per subscription
LIVE = ("active", "suspended")
AMOUNT = re.compile(r"\d{1,9}(\.\d{1,2})?")  # fits Numeric(12, 2)
PHONE = re.compile(r"\+?[0-9 ()./-]{6,30}")
LIMITS = {"reason": 2000, "contact_name": 120, "contact_email": 254, "contact_phone": 30,
          "answer": 4000}

Notify = Callable[[Iterable[User], str, str, str], None]  # users, subject, body, link
Mail = Callable[[str, str, str], None]  # address, subject, body
# What approval leaves as it is, by the rule that refused online cancellation.
STAYS = {
    "S3": "Partner Center allows no cancellation after the first 7 days of a term (S3), so "
          "the subscription stays active to its term's end; switch its autorenew off on its "
          "page so that it does not renew.",
    "S5": "Partner Center never cancels RedHat or SUSE plans (S5), so the subscription stays "
          "active to its term's end; switch its autorenew off on its page so that it does "
          "not renew.",
    "S6": "Partner Center allows no cancellation of perpetual software after 30 days (S6), "
          "so the licence and its key stay with the customer."}


@dataclass(frozen=True)
class Problem:
    rule: str
    code: str
    message: str
    field: str


@dataclass(frozen=True)
class Contacts:
    """Who a request's emails may go to besides the requester, and how the form names them."""

    addresses: frozenset[str]  # lower case
    whose: str  # the companies whose users they are: "Reseller A or Alpha GmbH"
    on_file: str  # ", or Reseller A's contact address on file", or ""


class SupportRequestRefused(Refused):
    """The form or the step asked is refused; every problem names its field."""


def online_refusal(sub: Subscription, now: datetime | None = None) -> rules.Refusal | None:
    """Why this live subscription cannot be cancelled online (S5, then S3/S6), or None when
    it can (or is not live): only then is a support request the way."""
    if sub.status not in LIVE:
        return None
    f = facts(sub)
    return rules.check_cancellable(f) or rules.check_cancel_window(f, now or datetime.now(UTC))


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def contacts(requester: User, sub: Subscription) -> Contacts:
    """The addresses a request on `sub` filed by `requester` may be answered at (the
    module's policy): active users of its company and of the subscription's customer, and
    its reseller's contact address on file."""
    reseller = requester.reseller if requester.reseller_id is not None else None
    owners = [User.customer_id == sub.customer_id]
    if reseller is not None and reseller.active:
        owners.append(User.reseller_id == reseller.id)
    found = {email.lower() for email in db.session.scalars(
        select(User.email).where(User.active.is_(True), or_(*owners)))}
    on_file = ""
    if reseller is not None and reseller.active and reseller.contact_email.strip():
        found.add(reseller.contact_email.strip().lower())
        on_file = f", or {reseller.company_name}'s contact address on file"
    names = dict.fromkeys(c.company_name for c in (reseller or requester.customer,
                                                   sub.customer) if c is not None)
    return Contacts(frozenset(found), " or ".join(names), on_file)


def _problems(form: Mapping[str, str], rule: str, currency: str,
              known: Contacts) -> list[Problem]:
    """Every problem with the filed fields, in the form's order."""
    found = []

    def bad(field: str, slug: str, message: str) -> None:
        found.append(Problem(rule, f"{rule}.support_{slug}", message, field))

    if len(_text(form, "reason")) < 10:
        bad("reason", "reason_required", "Refund reason: say why the refund is due, in at "
            "least 10 characters.")
    if _amount(form) is None:
        bad("amount", "amount_invalid", f"Amount requested: enter the refund asked for in "
            f"{currency} as a number above 0 with at most two decimals, like 120.00.")
    if not _text(form, "contact_name"):
        bad("contact_name", "contact_name_required", "Contact name: enter who the provider "
            "should answer.")
    contact = _text(form, "contact_email")
    if not _is_email(contact):
        bad("contact_email", "contact_email_invalid", "Contact email: enter an address like "
            "name@example.com.")
    elif contact.lower() not in known.addresses:
        bad("contact_email", "contact_email_not_ours", "Contact email: enter the address of "
            f"someone who signs in here for {known.whose} (like yours){known.on_file}: the "
            "provider emails each step there. To be answered at another address, have it "
            "invited to your team first.")
    phone = _text(form, "contact_phone")
    if not PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 6:
        bad("contact_phone", "contact_phone_invalid", "Contact phone: enter a number with at "
            "least 6 digits, like +44 20 7946 0000.")
    for field, limit in LIMITS.items():
        if len(_text(form, field)) > limit:
            bad(field, "too_long", f"{field.replace('_', ' ').capitalize()}: shorten it to "
                f"{limit} characters or fewer.")
    return found


def _amount(form: Mapping[str, str]) -> Decimal | None:
    """The amount as a Decimal (never a float: money), or None unless it is written plainly
    (120, 120.5, 1,200.00) and above 0."""
    text = _text(form, "amount").replace(",", "")
    if not AMOUNT.fullmatch(text):
        return None
    value = Decimal(text)
    return value if value > 0 else None


def _is_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def currency_of(sub: Subscription) -> str:
    price = price_of(sub)
    return price.currency if price else "USD"


def file(sub: Subscription, user: User, form: Mapping[str, str], notify: Notify,
         link: Callable[[SupportRequest], str], now: datetime | None = None) -> SupportRequest:
    """File the request, tell the provider's admins, and commit."""
    refusal = online_refusal(sub, now)
    if refusal is None:
        raise SupportRequestRefused([Problem(
            "S3", "S3.support_not_needed", "This subscription can be cancelled online (or is "
            "no longer live): use Cancel on its page.", "subscription")])
    currency = currency_of(sub)
    if problems := _problems(form, refusal.rule, currency, contacts(user, sub)):
        raise SupportRequestRefused(problems)
    _refuse_if_open(sub, refusal.rule)
    filed = SupportRequest(
        subscription=sub, customer_id=sub.customer_id, reseller_id=sub.reseller_id,
        filed_by=user, rule=refusal.rule, reason=_text(form, "reason"),
        amount=_amount(form), currency=currency, contact_name=_text(form, "contact_name"),
        contact_email=_text(form, "contact_email").lower(),
        contact_phone=_text(form, "contact_phone"))
    db.session.add(filed)
    db.session.flush()
    sub.record("support_request", f"Support request {filed.number} filed ({refusal.rule}): "
               f"refund of {buyer_money(sub, filed.amount, currency)} asked for.", user)
    notify(_admins(), f"Support request {filed.number}: {sub.title}",
           f"{user.email} asks for a refund of {buyer_money(sub, filed.amount, currency)} "
           f"for {sub.title} of "
           f"{sub.customer.company_name}, which cannot be cancelled online "
           f"({refusal.rule}). Reason: {filed.reason}", link(filed))
    db.session.commit()
    return filed


def _refuse_if_open(sub: Subscription, rule: str) -> None:
    """One request at a time per subscription, judged under its lock (persistence.locks): a
    form sent twice (a double click, a second tab) filed two requests for one refund, and
    approving both granted it twice (B3). Another may be filed once this one is answered."""
    committed(sub, "status")  # takes its lock: a racing filing is committed first
    open_one = db.session.scalar(select(SupportRequest).where(
        SupportRequest.subscription_id == sub.id, SupportRequest.status.in_(OPEN))
        .order_by(SupportRequest.id))
    if open_one is not None:
        raise SupportRequestRefused([Problem(
            rule, f"{rule}.support_request_open", f"Support request {open_one.number} for "
            f"this subscription is {LABELS[open_one.status].lower()}: the provider answers "
            "it before another can be filed; its page shows its status.", "subscription")])


def _admins() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role == Role.PROVIDER_ADMIN, User.active.is_(True)).order_by(User.id)))
