"""The partner's OSPA price list, stored (O6), and the price an enrollment pays for usage.

price_for(enrollment, meter, day) is the one answer to "what does this enrollment pay per
unit of this meter on this day": usage rows, overage and the Extended Term clause all price
through it, so price protection (commitments.price_list) holds everywhere.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from accounts.models import User
from commitments.enrollment import Status
from commitments.notices import NoticeKey, NoticeKind
from commitments.price_list import (
    Change,
    PriceEntry,
    change_of,
    enrollment_price,
    entry_problems,
    format_unit_price,
    normalise_meter,
    price_in_force,
    priced,
)
from commitments.problems import refuse_if_any
from commitments.records import models
from commitments.records.daily import enrollment_path, recipients
from commitments.records.partner_models import OspaPrice
from notifications import email, notify
from persistence import db

# Enrollments whose customers hear of a price change: those that can still use services.
NOTIFIED = (Status.DRAFT, Status.CREDIT_CHECK, Status.ACTIVE, Status.SUSPENDED)


def partner_lines(partner_reseller_id: int | None) -> list[OspaPrice]:
    """The partner's price list lines (the provider's when None), by meter then day."""
    query = select(OspaPrice).where(OspaPrice.partner_reseller_id.is_(None)
                                    if partner_reseller_id is None
                                    else OspaPrice.partner_reseller_id == partner_reseller_id)
    return list(db.session.scalars(query.order_by(OspaPrice.meter, OspaPrice.effective_from,
                                                  OspaPrice.id)))


def _entries(lines: list[OspaPrice]) -> list[PriceEntry]:
    """Domain entries in recording order, so a later line for the same day wins."""
    ordered = sorted(lines, key=lambda line: line.id)
    return [PriceEntry(line.meter, line.unit_price, line.effective_from) for line in ordered]


def meters(partner_reseller_id: int | None) -> list[str]:
    """The meters the partner has priced, for the usage form's choices."""
    return sorted({normalise_meter(line.meter) for line in partner_lines(partner_reseller_id)},
                  key=str.casefold)


def price_for(enrollment: models.Enrollment, meter: str, day: date) -> Decimal:
    """The unit price the enrollment pays for the meter on the day, from its partner's list
    with price protection; CommitmentRefused O6.meter_not_priced when the list has none."""
    entries = _entries(partner_lines(enrollment.partner_reseller_id))
    return priced(entries, meter, enrollment.start, enrollment.end, day)


def _notice_text(enrollment: models.Enrollment, line: OspaPrice, change: Change,
                 list_before: Decimal, entries: list[PriceEntry]) -> str:
    """The notice as this enrollment lives it: the list moves, and what it pays from then."""
    when, meter = line.effective_from, line.meter
    direction = "rises" if change is Change.UP else "falls"
    text = (f"From {when.isoformat()} the partner's price for {meter} {direction} from "
            f"{format_unit_price(list_before)} to {format_unit_price(line.unit_price)} per "
            f"unit.")
    new = PriceEntry(meter, line.unit_price, when)
    start, end = enrollment.start, enrollment.end
    paid_before = enrollment_price(entries, meter, start, end, when)
    paid_after = enrollment_price([*entries, new], meter, start, end, when)
    if paid_after == paid_before and paid_before is not None:
        return (f"{text} Price protection: enrollment {enrollment.number} keeps paying "
                f"{format_unit_price(paid_before)} until its term ends on {end.isoformat()}.")
    return (f"{text} Enrollment {enrollment.number} pays {format_unit_price(paid_after)} for "
            f"usage from that day.")


def _tell_customers(line: OspaPrice, change: Change, list_before: Decimal,
                    entries: list[PriceEntry], today: date) -> int:
    """Email each affected enrollment's contacts once, and record the notice on it."""
    query = select(models.Enrollment).where(
        models.Enrollment.status.in_([s.value for s in NOTIFIED]),
        models.Enrollment.partner_reseller_id.is_(None) if line.partner_reseller_id is None
        else models.Enrollment.partner_reseller_id == line.partner_reseller_id,
        models.Enrollment.end >= line.effective_from)
    told = 0
    for enrollment in db.session.scalars(query.order_by(models.Enrollment.id)):
        text = _notice_text(enrollment, line, change, list_before, entries)
        subject = f"{enrollment.number}: upcoming price change for {line.meter}"[:200]
        users = recipients(enrollment)
        notify(users, subject, text, enrollment_path(enrollment))
        contact = (enrollment.customer.email or "").strip().lower()
        if contact and contact not in {(u.email or "").lower() for u in users}:
            email(contact, subject, text)  # the customer's contact on the enrollment
        key = NoticeKey(enrollment.number, NoticeKind.PRICE_CHANGE, line.effective_from,
                        line.id)
        enrollment.notices.append(models.SentNotice(
            key=str(key), kind=NoticeKind.PRICE_CHANGE.value, sent_on=today, message=text))
        told += 1
    return told


def schedule_price(
    partner_reseller_id: int | None, meter: str, unit_price: Decimal, effective_from: date,
    today: date, user: User,
) -> tuple[OspaPrice, int]:
    """Add a line to the partner's price list; a change from a future day is announced to
    the customers of the partner's enrollments (price protection notice). Returns the line
    and how many enrollments were told; commits once."""
    new = PriceEntry(normalise_meter(meter), unit_price, effective_from)
    refuse_if_any(entry_problems(new, today))
    entries = _entries(partner_lines(partner_reseller_id))
    change = change_of(entries, new)
    before = price_in_force(entries, new.meter, effective_from)
    line = OspaPrice(partner_reseller_id=partner_reseller_id, meter=new.meter,
                     unit_price=unit_price, effective_from=effective_from,
                     recorded_by_id=user.id)
    db.session.add(line)
    db.session.flush()
    told = 0
    if effective_from > today and change in (Change.UP, Change.DOWN):
        told = _tell_customers(line, change, before, entries, today)
    db.session.commit()
    return line, told
