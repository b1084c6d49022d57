"""The provider's answer to a support request (the policy is subscriptions.support_requests):
one step at a time, in a fixed order; approval grants the refund asked for, which billing
credits (B3); each step tells the requester and the form's contact."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from accounts.models import User
from persistence import db
from persistence.locks import locked
from subscriptions.quotes import buyer_money
from subscriptions.support_models import SUPPORT_REFUND, SupportRequest
from subscriptions.support_requests import (
    ANSWERED,
    LABELS,
    LIMITS,
    NEXT,
    STAYS,
    Mail,
    Notify,
    Problem,
    SupportRequestRefused,
    contacts,
)


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
