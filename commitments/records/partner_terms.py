"""The partner's terms on an enrollment (O6): payment terms and the VAT invoice it issues.

Each service takes plain values, asks commitments.payment_terms, and commits once; a
refusal is CommitmentRefused with every problem, each naming its field and the fix.
"""

from __future__ import annotations

from datetime import date

from accounts.models import User
from commitments.payment_terms import compact_fapiao_number, terms_problems, vat_invoice_problems
from commitments.problems import refuse_if_any
from commitments.records import models
from commitments.records.partner_models import VatInvoice
from persistence import db


def set_payment_terms(row: models.Enrollment, days: int | None) -> None:
    """The partner's payment terms for the enrollment's invoices from now on (O6)."""
    refuse_if_any(terms_problems(days))
    row.payment_terms_days = days
    db.session.commit()


def record_vat_invoice(
    invoice: models.EnrollmentInvoice, number: str, issued_on: date | None, today: date,
    user: User,
) -> VatInvoice:
    """Record the partner's VAT invoice (fapiao) for a fully paid invoice (O6)."""
    refuse_if_any(vat_invoice_problems(number, issued_on, invoice.paid_on, today,
                                       invoice.vat_invoice is not None))
    vat = VatInvoice(enrollment_invoice=invoice, number=compact_fapiao_number(number),
                     issued_on=issued_on, recorded_by_id=user.id)
    db.session.add(vat)
    db.session.commit()
    return vat
