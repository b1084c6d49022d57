"""O6: the partner's payment terms, the payment methods, and the VAT invoice after payment.

Seed 000: "All the OSPA payment must pay through company wire transfer or check. Customer
have 30 days standard payment term", and for Indirect OSPA "all terms and payment methods
will be suggested by partner. Partner will issue VAT invoice to customer once payment is
completed." So each enrollment carries the partner's payment terms (30 days unless the
partner sets others), each payment records how it was made (company wire transfer or
cheque, nothing else), and the partner's VAT invoice (fapiao) is recorded with its number
only once the invoice is paid in full.

Fapiao numbers (our check): 8 digits on paper fapiao, 20 on fully digital ones; we accept
8 to 20 digits so either kind can be recorded as printed.
"""

from __future__ import annotations

import re
from datetime import date

from commitments.problems import Problem, problem
from commitments.schedule import PAYMENT_TERM_DAYS

RULE = "O6"
DEFAULT_TERMS_DAYS = PAYMENT_TERM_DAYS
MIN_TERMS_DAYS, MAX_TERMS_DAYS = 1, 180
WIRE_TRANSFER, CHEQUE = "wire_transfer", "cheque"  # billing.models.PaymentMethod values
METHODS = {WIRE_TRANSFER: "Company wire transfer", CHEQUE: "Cheque"}
_FAPIAO = re.compile(r"\d{8,20}")


def terms_problems(days: int | None) -> list[Problem]:
    """The payment terms must be a whole number of days the partner can stand behind."""
    if days is not None and MIN_TERMS_DAYS <= days <= MAX_TERMS_DAYS:
        return []
    message = (f"Payment terms: enter {MIN_TERMS_DAYS} to {MAX_TERMS_DAYS} days "
               f"(the standard is {DEFAULT_TERMS_DAYS}).")
    return [problem(RULE, "payment_terms_out_of_range", message, "payment_terms_days")]


def method_problems(method: str) -> list[Problem]:
    """OSPA payments are made by company wire transfer or cheque only."""
    if method in METHODS:
        return []
    message = "Payment method: OSPA payments are made by company wire transfer or cheque; " \
              "choose one of them."
    return [problem(RULE, "payment_method_not_allowed", message, "payment_method")]


def compact_fapiao_number(number: str) -> str:
    """Drop spaces and dashes, as numbers are often copied with them."""
    return re.sub(r"[\s-]", "", number or "")


def vat_invoice_problems(
    number: str, issued_on: date | None, paid_on: date | None, today: date,
    already_recorded: bool,
) -> list[Problem]:
    """Every reason the partner's VAT invoice cannot be recorded now (empty: it can)."""
    found = []
    if paid_on is None:
        message = ("VAT invoice: the partner issues it once payment is completed; record "
                   "the full payment of the invoice first.")
        found.append(problem(RULE, "vat_invoice_before_payment", message, "vat_number"))
    if already_recorded:
        message = "VAT invoice: this invoice already has its VAT invoice recorded."
        found.append(problem(RULE, "vat_invoice_already_recorded", message, "vat_number"))
    if not _FAPIAO.fullmatch(compact_fapiao_number(number)):
        message = "VAT invoice number: enter the fapiao number as printed, 8 to 20 digits."
        found.append(problem(RULE, "vat_invoice_number_invalid", message, "vat_number"))
    if issued_on is None or issued_on > today or (paid_on and issued_on < paid_on):
        earliest = paid_on.isoformat() if paid_on else "the payment day"
        message = (f"VAT invoice date: enter the day the partner issued it, from {earliest} "
                   f"to {today.isoformat()}.")
        found.append(problem(RULE, "vat_invoice_date_invalid", message, "vat_issued_on"))
    return found
