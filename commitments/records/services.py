"""Enrollment services: take plain values, ask the commitments domain, commit once.

Every refusal is the domain's CommitmentRefused with all its problems, so pages show each
problem beside its field with its code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from accounts.models import Customer, User
from commitments import eligibility, lifecycle
from commitments.accounts import add_subscription as domain_add_subscription
from commitments.accounts import already_enrolled_problems, kept_subscription_id
from commitments.enrollment import (
    Actor,
    Document,
    Status,
    SuspensionReason,
    end_date,
    next_enrollment_number,
)
from commitments.extended_term import usage_day_problems
from commitments.invoices import invoice_for_order
from commitments.money import ZERO
from commitments.notices import NoticeKind
from commitments.orders import Approval, OrderKind, place_order
from commitments.orders import CommitmentOrder as DomainOrder
from commitments.problems import CommitmentRefused, problem, refuse_if_any
from commitments.records import assist_services, invoicing, letters, mapping, models, usage
from commitments.records.daily import dispatch_due
from commitments.records.enrolled import holders
from commitments.records.locking import lock_enrollment, lock_enrollment_numbers, lock_subscription
from commitments.records.price_list import price_for
from commitments.records.subscription_states import subscription_status
from persistence import db

DEFAULT_TAX_RATE = Decimal("0.06")  # VAT on cloud services in China; the partner may change it


def create_enrollment(
    customer: Customer, start: date, extended_term: bool = False, *, org_id: str | None = None
) -> models.Enrollment:
    """A draft enrollment with the next V570 number; the partner is the customer's reseller.
    Only an enterprise registered in mainland China may sign one (O1 eligibility). The
    customer's Org ID, given when signing, is provisioned as the primary Enterprise
    Administrator (O7, commitments.roles)."""
    refuse_if_any(eligibility.check(customer.country, customer.tax_id))
    lock_enrollment_numbers()  # a racing enrollment's number is read before choosing ours
    numbers = db.session.scalars(select(models.Enrollment.number))
    row = models.Enrollment(
        number=next_enrollment_number(numbers), customer=customer,
        partner_reseller_id=customer.reseller_id, start=start, end=end_date(start),
        extended_term=extended_term, status=Status.DRAFT, status_since=start,
    )
    if org_id is not None:
        assist_services.provision_primary_administrator(row, org_id, start)
    db.session.add(row)
    db.session.commit()
    return row


def sign_document(
    row: models.Enrollment, document: Document, signed_by: str, signed_on: date, user: User
) -> None:
    """Record one package document as signed (O1); signing again keeps the first record."""
    lock_enrollment(row.id)
    if document.value not in {d.document for d in row.documents}:
        row.documents.append(models.SignedDocument(
            document=document.value, signed_by=signed_by.strip(), signed_on=signed_on,
            recorded_by_id=user.id,
        ))
    db.session.commit()


def record_credit_check(
    row: models.Enrollment, year: int, passed: bool, note: str, today: date, user: User
) -> None:
    """Record the credit team's decision for a commitment year (O4), dated today."""
    row.credit_checks.append(models.CreditCheck(
        year=year, decided_on=today, passed=passed, note=note.strip(), recorded_by_id=user.id
    ))
    db.session.commit()


def _activate_or_reactivate(row, state, today: date, resolved_on: date | None, actor: Actor):
    if state.status in lifecycle.STOPPED:
        return lifecycle.reactivate(state, actor, resolved_on, today)
    checks = mapping.to_credit_checks(row)
    return lifecycle.activate(state, mapping.to_orders(row), checks, today)


def change_status(
    row: models.Enrollment,
    target: Status,
    today: date,
    *,
    reason: SuspensionReason | None = None,
    resolved_on: date | None = None,
    actor: Actor = Actor.PROVIDER,
) -> None:
    """Move the enrollment with the domain's lifecycle functions (O1, O4, O8); `actor` is who
    asks, so the domain refuses a partner's reactivation too (O8)."""
    lock_enrollment(row.id)  # a racing change would move it from a status it has left
    state = mapping.to_enrollment(row)
    if target is Status.ACTIVE:
        first_activation = state.status is Status.CREDIT_CHECK
        state = _activate_or_reactivate(row, state, today, resolved_on, actor)
        row.deprovision_marked_on = None
        if first_activation:  # the enrollment is ready to use: the welcome letter
            letters.send_welcome_letter(row, today)
    elif target is Status.SUSPENDED:
        if reason is None:
            message = "Say why the enrollment is suspended."
            reason_missing = problem("O8", "suspension_reason_required", message, "reason")
            raise CommitmentRefused([reason_missing])
        state = lifecycle.suspend(state, reason, today)
    else:
        moves = {Status.CREDIT_CHECK: lifecycle.submit_for_credit_check,
                 Status.DRAFT: lifecycle.return_to_draft,
                 Status.TERMINATED: lifecycle.terminate, Status.EXPIRED: lifecycle.expire}
        state = moves[target](state, today)
    mapping.apply_state(row, state)
    db.session.commit()


def _actor(row: models.Enrollment, late_entry: bool) -> Actor:
    """Who submitted the order: the provider only for a late entry (O2), else the buyer side."""
    if late_entry:
        return Actor.PROVIDER
    return Actor.RESELLER if row.partner_reseller_id else Actor.CUSTOMER


def _issue_order_invoice(row: models.Enrollment, order: models.CommitmentOrder, today: date):
    """O6: the partner invoices the order; a true-down to zero has nothing to invoice. The
    number is the partner's next (billing's gap-free series), taken when it is issued."""
    if order.amount_excl_tax <= ZERO:
        return
    rate = Decimal(str(current_app.config.get("OSPA_TAX_RATE", DEFAULT_TAX_RATE)))
    invoice = invoice_for_order(mapping.to_enrollment(row), mapping.to_order(order), "",
                                today, rate, row.payment_terms_days)
    invoicing.issue(row, invoice, order_id=order.id)


def place_commitment_order(
    row: models.Enrollment,
    kind: OrderKind,
    year: int,
    amount: Decimal,
    today: date,
    user: User,
    *,
    late_entry: bool = False,
    approval: Approval | None = None,
) -> models.CommitmentOrder:
    """Place an initial, annual or additional order submitted today (O1-O4), then invoice it.
    The orders checked are those committed: a racing initial or year's order is seen."""
    lock_enrollment(row.id)
    order = DomainOrder(kind, year, amount, today, approval)
    place_order(mapping.to_enrollment(row), order, mapping.to_orders(row),
                mapping.to_credit_checks(row), _actor(row, late_entry))
    saved = models.CommitmentOrder(
        kind=kind.value, year=year, amount_excl_tax=order.amount_excl_tax, submitted_on=today,
        approved_by=approval.approved_by if approval else None,
        approved_on=approval.approved_on if approval else None, entered_by_id=user.id,
    )
    row.orders.append(saved)
    db.session.flush()
    _issue_order_invoice(row, saved, today)
    letters.send_order_confirmation(row, saved, today)
    db.session.commit()
    return saved


def record_usage(
    row: models.Enrollment,
    used_on: date,
    meter: str,
    quantity: Decimal,
    today: date,
    user: User,
    *,
    subscription: models.AccountSubscription | None = None,
) -> list:
    """Record usage priced from the partner's price list with price protection (O6), and
    send the 50/75/90/100% notices it crosses, once each (O5): a racing record is counted
    first, so each threshold is crossed by one of them."""
    lock_enrollment(row.id)
    # The Extended Term clause accepts 90 more days, all overage at current prices (O8, O9).
    refuse_if_any(usage_day_problems(mapping.to_enrollment(row), used_on,
                                     mapping.is_renewed(row)))
    usage.check_subscription(row, subscription, used_on)
    unit_price = price_for(row, meter, used_on)
    row.usage.append(models.UsageRecord(
        used_on=used_on, meter=" ".join(meter.split()), quantity=quantity,
        unit_price=unit_price, subscription=subscription,
        recorded_by_id=user.id,
    ))
    db.session.flush()
    sent = dispatch_due(row, today, kinds={NoticeKind.USAGE_THRESHOLD})
    db.session.commit()
    return sent


def add_account(row: models.Enrollment, name: str, owner: str) -> models.EnrollmentAccount:
    """Add an account (organisational unit) to the enrollment."""
    account = models.EnrollmentAccount(name=name.strip(), owner=owner.strip().lower())
    row.accounts.append(account)
    db.session.commit()
    return account


def add_subscription(account: models.EnrollmentAccount, subscription_id: str) -> None:
    """Add a subscription to an account (O7): the 200th is refused, a racing one counted; one
    another account or enrollment holds (in any case) is refused, a racing addition or
    conversion of it seen (its id locked by name). One the account holds already is kept;
    one not a GUID is refused (O7.subscription_id_not_a_guid), whoever calls."""
    subscription_id = kept_subscription_id(subscription_id)
    lock_enrollment(account.enrollment_id)
    lock_subscription(subscription_id)
    enrollment = db.session.get(models.Enrollment, account.enrollment_id)
    # One added to an enrollment after its renewal was drafted may be added to the renewal.
    held_by = holders(subscription_id, chain=enrollment)
    if account.id not in held_by:
        refuse_if_any(already_enrolled_problems(subscription_id,
                                                next(iter(held_by.values()), None)))
        domain_add_subscription(mapping.to_account(account), subscription_id)  # the 200th
        account.subscriptions.append(models.AccountSubscription(  # O8: as its enrollment
            subscription_id=subscription_id, status=subscription_status(enrollment),
            status_since=enrollment.status_since))
    db.session.commit()
