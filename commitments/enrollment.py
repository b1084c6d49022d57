"""The three-year Indirect OSPA enrollment: its number, dates and signed contract package.

O1: an enrollment runs three years and its package has four documents, all of which the
customer signs. O7: enrollment numbers start with V570. O9: the renewal enrollment starts
the day after the old one expires.

Enrollment number format (our decision; the seed only says "start with V570"): ``V570``
followed by exactly four digits, e.g. ``V5700042`` -- eight characters, the length of an
Enterprise Agreement enrollment number. Sequence 1..9999 maps to V5700001..V5709999.

Dates: anniversary N is the start plus N years; a start on 29 February has its anniversaries
on 1 March in common years, so every commitment year is a whole year and the end date
(third anniversary minus one day) is 28 February.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from commitments.problems import CommitmentRefused, Problem, problem

PREFIX = "V570"
SERIAL_DIGITS = 4
MAX_SERIAL = 10**SERIAL_DIGITS - 1
TERM_YEARS = 3
_NUMBER = re.compile(rf"{PREFIX}\d{{{SERIAL_DIGITS}}}")


class Status(StrEnum):
    """Where an enrollment is in its life (transitions live in commitments.lifecycle)."""

    DRAFT = "draft"
    CREDIT_CHECK = "credit_check"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class SuspensionReason(StrEnum):
    """Why an enrollment was suspended (seed 000, 'Renew and Suspension')."""

    UNPAID_OVERAGE = "unpaid_overage"
    MISSING_ANNUAL_ORDER = "missing_annual_order"
    UNPAID_COMMITMENT = "unpaid_commitment"


class Actor(StrEnum):
    """Who acts: the indirect provider (storefront operator), a reseller, or the customer."""

    PROVIDER = "provider"
    RESELLER = "reseller"
    CUSTOMER = "customer"


class Document(StrEnum):
    """The four documents of the OSPA contract package; all must be signed (O1)."""

    TERMS_AND_CONDITIONS = "terms_and_conditions"
    ORDER_FORM = "order_form"
    CONTACT_INFORMATION_SHEET = "contact_information_sheet"
    SIGNATURE_FORM = "signature_form"


def compact_enrollment_number(number: str) -> str:
    """Strip spaces and upper-case, so 'v570 0042' and 'V5700042' are the same number."""
    return "".join(number.split()).upper()


def is_valid_enrollment_number(number: str) -> bool:
    """Whether the number is V570 followed by exactly four digits."""
    return _NUMBER.fullmatch(compact_enrollment_number(number)) is not None


def validate_enrollment_number(number: str) -> str:
    """Return the compact number or raise CommitmentRefused with O7.invalid_enrollment_number."""
    compact = compact_enrollment_number(number)
    if _NUMBER.fullmatch(compact) is None:
        message = f"Enrollment number {number!r} must be {PREFIX} followed by 4 digits."
        raise CommitmentRefused([problem("O7", "invalid_enrollment_number", message, "number")])
    return compact


def format_enrollment_number(serial: int) -> str:
    """Turn a serial 1..9999 into an enrollment number such as V5700042."""
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"enrollment serial must be 1..{MAX_SERIAL}, got {serial}")
    return f"{PREFIX}{serial:0{SERIAL_DIGITS}d}"


def next_enrollment_number(existing: Iterable[str]) -> str:
    """The number after the highest valid one in use, so numbers are never reused."""
    compact = map(compact_enrollment_number, existing)
    serials = [int(n[len(PREFIX) :]) for n in compact if _NUMBER.fullmatch(n)]
    return format_enrollment_number(max(serials, default=0) + 1)


def add_years(day: date, years: int) -> date:
    """Same day and month `years` later; 29 February falls on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def anniversary(start: date, n: int) -> date:
    """The Nth agreement anniversary: the first day of commitment year N + 1."""
    return add_years(start, n)


def end_date(start: date) -> date:
    """The last day of a three-year enrollment: start + 3 years - 1 day."""
    return anniversary(start, TERM_YEARS) - timedelta(days=1)


def term_bounds(start: date, year: int) -> tuple[date, date]:
    """First and last day of commitment year 1, 2 or 3."""
    if not 1 <= year <= TERM_YEARS:
        raise ValueError(f"commitment year must be 1..{TERM_YEARS}, got {year}")
    return anniversary(start, year - 1), anniversary(start, year) - timedelta(days=1)


def term_year(start: date, day: date) -> int | None:
    """Which commitment year (1..3) a day falls in, or None outside the enrollment."""
    for year in range(1, TERM_YEARS + 1):
        first, last = term_bounds(start, year)
        if first <= day <= last:
            return year
    return None


@dataclass(frozen=True)
class Enrollment:
    """One customer's three-year agreement, bought through an indirect partner (O6)."""

    number: str
    customer_id: str
    partner_id: str
    start: date
    extended_term: bool = False
    signed_documents: frozenset[Document] = field(default_factory=frozenset)
    status: Status = Status.DRAFT
    status_since: date | None = None
    suspension_reason: SuspensionReason | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", validate_enrollment_number(self.number))

    @property
    def end(self) -> date:
        """The last day of the agreement (O1, O9)."""
        return end_date(self.start)

    def anniversary(self, n: int) -> date:
        """The Nth anniversary (1 and 2 start years 2 and 3; 3 is the day after the end)."""
        return anniversary(self.start, n)

    def unsigned_documents(self) -> tuple[Document, ...]:
        """Documents of the package still to be signed, in package order."""
        return tuple(d for d in Document if d not in self.signed_documents)

    def sign(self, document: Document) -> Enrollment:
        """A copy with one more document signed."""
        return replace(self, signed_documents=self.signed_documents | {document})


def check_renewal_start(previous: Enrollment, start: date) -> list[Problem]:
    """O9: a renewal must start exactly the day after the previous enrollment's end."""
    expected = previous.end + timedelta(days=1)
    if start == expected:
        return []
    message = f"The renewal of {previous.number} must start on {expected.isoformat()}."
    return [problem("O9", "renewal_start_mismatch", message, "start")]


def renewal(previous: Enrollment, number: str) -> Enrollment:
    """A draft renewal enrollment starting the day after `previous` expires (O9)."""
    return Enrollment(
        number=number,
        customer_id=previous.customer_id,
        partner_id=previous.partner_id,
        start=previous.end + timedelta(days=1),
        extended_term=previous.extended_term,
    )
