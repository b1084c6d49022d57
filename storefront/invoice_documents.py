"""One invoice as a document: the data its page and its PDF share, its CSV rows, and the PDF.

The PDF is the page's own document body (templates/billing/_invoice.html) inside a print
template, laid out by WeasyPrint with static/invoice-print.css. WeasyPrint fetches nothing:
the stylesheet is handed to it and every URL in the document is refused, so a name or an
address on an invoice can never make the server request anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from flask import render_template

from billing.documents import STATUS_LABELS, corrections, grouped
from billing.models import Invoice
from billing.parties import invoice_locale, invoice_money
from catalog.price_words import percent_words
from persistence.money import minor_unit, round_money

STYLESHEET = Path(__file__).resolve().parent / "static" / "invoice-print.css"
CHARGE_TYPES = {"new": "New", "renew": "Renewal", "cycleCharge": "Cycle charge",
                "addQuantity": "Licenses added", "removeQuantity": "Licenses removed",
                "cancelImmediate": "Cancellation credit", "convert": "Upgrade (conversion)",
                "oneTime": "One-time purchase",
                "customerCredit": "Credit", "commitment": "OSPA commitment (O6)",
                "overage": "OSPA overage (O6)", "azureUsage": "Azure usage"}
CSV_HEADER = ("Invoice number", "Kind", "Issue date", "Due date", "Billing month", "Buyer",
              "Customer", "Subscription", "Description", "Charge type", "Period start",
              "Period end", "Quantity", "Unit price", "Amount", "Tax rate", "Invoice tax",
              "Invoice total", "Currency", "Status", "Amount paid", "Balance due")


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load Debian's pango here: the PDF cannot be made on this server."""


def money_formatter(invoice: Invoice) -> Callable[[Decimal | None], str]:
    """Amounts in the invoice's currency with Babel, in the invoice's locale."""
    return invoice_money(invoice)


def percent(rate: Decimal, locale: str = "en_US") -> str:
    """A tax rate as people write it: 0.19 → "19 %", 0.077 → "7.7 %" ("7,7 %" in de_DE)."""
    return percent_words(Decimal(rate) * 100, locale)


def percent_formatter(invoice: Invoice) -> Callable[[Decimal], str]:
    """Tax rates in the invoice's locale, as its amounts (money_formatter)."""
    locale = invoice_locale(invoice)
    return lambda rate: percent(rate, locale)


def charge_label(charge_type: str) -> str:
    return CHARGE_TYPES.get(charge_type, charge_type)


def document(invoice: Invoice) -> dict:
    """What the page and the PDF show: the invoice, its lines grouped by customer and
    subscription, the invoice it corrects or the credit notes correcting it, and the
    formatting helpers."""
    return {"invoice": invoice, "groups": grouped(invoice.lines),
            "corrected_by": corrections(invoice) if invoice.kind == "invoice" else [],
            "money": money_formatter(invoice), "percent": percent_formatter(invoice),
            "charge_label": charge_label, "status_label": STATUS_LABELS.get}


def csv_rows(invoice: Invoice) -> Iterator[tuple]:
    """One row per line, the invoice's own figures repeated on each (amounts as numbers:
    exports.spreadsheet writes them unchanged and quotes formula-like text)."""
    head = (invoice.number, invoice.kind, invoice.issue_date, invoice.due_date,
            invoice.billing_month, invoice.buyer_name)
    tail = (_plain(invoice.tax_rate, 0), _exact(invoice.tax, invoice.currency),
            _exact(invoice.total, invoice.currency), invoice.currency, invoice.status,
            _exact(invoice.amount_paid, invoice.currency),
            _exact(invoice.balance_due, invoice.currency))
    places = -minor_unit(invoice.currency).as_tuple().exponent
    for line in sorted(invoice.lines, key=lambda ln: ln.position):
        yield (*head, line.customer_name, line.subscription_label, line.description,
               line.charge_type, line.period_start, line.period_end, line.quantity,
               _plain(line.unit_price, places), _exact(line.amount, invoice.currency),
               *tail)


def _exact(amount: Decimal, currency: str) -> Decimal:
    """An amount with its currency's decimals (112.89, not the stored 112.8900)."""
    return round_money(amount, currency)


def _plain(value: Decimal, places: int) -> Decimal:
    """A price or rate without the stored trailing zeros but with at least `places`
    decimals, never in exponent form: 10.0800 → 10.08, 9.4080 → 9.408, 100 → 100.00
    (for 2 places, the minor unit of EUR)."""
    value = Decimal(value)
    shortest = Decimal(format(value.normalize(), "f"))
    return shortest if -shortest.as_tuple().exponent >= places else value.quantize(
        Decimal(1).scaleb(-places))


def pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF, from the same data as its page."""
    html = render_template("billing/invoice_print.html", **document(invoice))
    return render_pdf(html)


def render_pdf(html: str) -> bytes:
    """HTML to PDF with the print stylesheet and no fetching of any URL."""
    weasyprint, fetcher = _weasyprint()
    stylesheet = weasyprint.CSS(string=_stylesheet_text(), url_fetcher=fetcher)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


@lru_cache(maxsize=1)
def _stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _weasyprint():
    """WeasyPrint and a fetcher that refuses every URL. Imported on first use: it loads
    pango when imported, and the rest of the storefront runs without it."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except OSError as missing:  # pango's shared libraries are not installed
        raise PdfUnavailable(str(missing)) from missing

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"invoices load no resources ({url[:60]})")

    return weasyprint, NoFetching()
