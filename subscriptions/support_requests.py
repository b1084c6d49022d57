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
from persistence.locks import locked
from refusals import Refused
from subscriptions import rules
from subscriptions.models import Subscription
from subscriptions.quotes import buyer_money
from subscriptions.services import committed, facts, price_of
from subscriptions.support_models import SUPPORT_REFUND, SupportRequest

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


def step_problems(req: SupportRequest, target: str, answer: str) -> list[Problem]:
    """What is wrong with taking `req` to `target` with this answer (the order is fixed)."""
    if target not in NEXT.get(req.status, ()):
        allowed = " or ".join(LABELS[s] for s in NEXT[req.status]) or "nothing (it is closed)"
        return [Problem(req.rule, f"{req.rule}.support_step_not_allowed",
                        f"Status: a {LABELS[req.status].lower()} request can move to "
                        f"{allowed} only.", "status")]
    if target in ANSWERED and not answer.strip():
        return [Problem(req.rule, f"{req.rule}.support_answer_required",
                        "Answer: write the answer the requester will read.", "answer")]
    if len(answer) > LIMITS["answer"]:
        return [Problem(req.rule, f"{req.rule}.support_answer_too_long",
                        f"Answer: shorten it to {LIMITS['answer']} characters or fewer.",
                        "answer")]
    return []


def move(req: SupportRequest, target: str, answer: str, user: User, notify: Notify,
         link: Callable[[SupportRequest], str], mail: Mail) -> None:
    """Take the request one step on (approval grants its refund), tell the requester and
    the form's contact while it is still the company's (`contacts`), and commit."""
    _lock(req)
    if problems := step_problems(req, target, answer):
        raise SupportRequestRefused(problems)
    req.status = target
    if target in ANSWERED:
        req.answer, req.answered_by = answer.strip(), user
    req.subscription.record("support_request",
                            f"Support request {req.number}: {LABELS[target].lower()}.", user)
    if target == "approved":
        _grant_refund(req, user)
    subject, body = f"Support request {req.number}: {LABELS[target]}", _told(req, target)
    notify([req.filed_by], subject, body, link(req))
    if _mails_contact(req):
        mail(req.contact_email.lower(), subject, body)
    db.session.commit()


def _lock(req: SupportRequest) -> None:
    """Take the request's steps one at a time (persistence.locks) and judge the step by its
    status as committed now: two admins answering it at once both passed the check, so the
    requester was told both answers and the refund granted whichever came last (B3)."""
    locked(select(SupportRequest.id).where(SupportRequest.id == req.id).with_for_update())
    db.session.refresh(req, ["status"])


def _mails_contact(req: SupportRequest) -> bool:
    """The contact is emailed too when it is another address the company stands for."""
    contact = req.contact_email.strip().lower()
    return contact != (req.filed_by.email or "").lower() and \
        contact in contacts(req.filed_by, req.subscription).addresses


def _grant_refund(req: SupportRequest, user: User) -> None:
    """The approved refund in the subscription's history, which billing credits (B3)."""
    req.subscription.record(
        SUPPORT_REFUND, f"Refund of {_money(req)} approved by support request "
        f"{req.number}; the next billing run credits it.", user,
        data={"request": req.id, "number": req.number, "amount": str(req.amount),
              "currency": req.currency})


def _money(req: SupportRequest) -> str:
    return buyer_money(req.subscription, req.amount, req.currency)


def refund_granted(req: SupportRequest) -> str:
    """What approval does, in words: the credit, and what stays as it is (STAYS)."""
    return (f"A refund of {_money(req)} is credited by the provider's next "
            "billing run, as a credit note of the invoice that charged it (or on the next "
            f"invoice when none has yet). {STAYS.get(req.rule, '')}").strip()


def granted(req: SupportRequest) -> str:
    """What its approval did and left as it is, once approved (also after closing); ""
    before, or when declined."""
    approved = any(e.kind == SUPPORT_REFUND and (e.data or {}).get("request") == req.id
                   for e in req.subscription.events)
    return refund_granted(req) if approved else ""


def _told(req: SupportRequest, target: str) -> str:
    """The requester's email: the step, what it means for the refund, the answer."""
    body = f"Your support request {req.number} for {req.subscription.title} is now " \
           f"{LABELS[target].lower()}."
    if target == "approved":
        body += f" {refund_granted(req)}"
    elif target == "declined":
        body += " No refund will be given."
    if req.answer:
        body += f"\n\nThe provider's answer: {req.answer}"
    return body
