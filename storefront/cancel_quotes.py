"""The refund a cancel confirmation page promised, carried to the click that confirms it.

The page signs the moment it quoted, the subscription and the amount it showed, in a hidden
field; the confirming POST brings them back and the cancellation is priced at that moment,
not at the click's. A buyer who waits on the page (past midnight UTC, when one more day of
the cycle is used, or past the 24-hour full refund) is refunded what the page said, to the
cent (#20, B5). The promise lasts only while the window does: the service still judges the
window at the click. A missing, altered or foreign field promises nothing, and the page asks
again with the current refund.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from billing.refunds import Refund, refund_totals
from connectors.partner_center import PartnerCenterClient, PartnerCenterError
from storefront.invoice_documents import percent
from subscriptions.errors import SubscriptionRefused
from subscriptions.models import Subscription
from subscriptions.pc_calls import pc_code
from subscriptions.rules import Refusal
from subscriptions.services import Promise, Quote
from subscriptions.write_answer import read_first

FIELD = "quote"
SALT = "subscription-cancel-quote"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def sign(sub: Subscription, quote: Quote, quoted_at: datetime) -> str:
    """The hidden field's value for the quote shown now on this subscription's page."""
    return _serializer().dumps({"subscription": sub.id, "at": quoted_at.isoformat(),
                                "amount": str(quote.amount), "currency": quote.currency})


def read_seats(sub: Subscription, client: PartnerCenterClient) -> None:
    """S3/B2: the page quotes the refund on the seats Partner Center holds, as the
    cancellation is (subscriptions.write_answer.read_first): quoted on the row's 10 with 15
    there, the first confirmation was refused as changed. Unanswered, no refund is shown."""
    try:
        read_first(sub, client)
    except PartnerCenterError as error:
        raise SubscriptionRefused(Refusal(
            "PC", pc_code(error),
            "Partner Center did not answer when asked for this subscription's licences "
            f"({error.meaning}), so no refund can be quoted and nothing was cancelled. "
            "Try again in a few minutes.")) from error


def promised(sub: Subscription) -> Promise | None:
    """The promise the confirming form carried back for this subscription, if genuine."""
    try:
        data = _serializer().loads(request.form.get(FIELD, ""))
        if data["subscription"] != sub.id:
            return None
        return Promise(datetime.fromisoformat(data["at"]), Decimal(data["amount"]),
                       data["currency"])
    except (BadSignature, KeyError, TypeError, ValueError, InvalidOperation):
        return None


def refund_of(sub: Subscription, quote: Quote, retail: bool) -> Refund:
    """The quoted refund with the tax billing will credit on it (B5: page = credit note). A
    reseller's end customer is refunded by its reseller, not by a note of ours."""
    return refund_totals(sub, quote.credit.period_start, quote.amount, quote.currency,
                         corrects=not retail)


def tax_words(refund: Refund, money, locale: str = "en_US") -> str:
    """What follows the quoted amount so it says what is credited: " excl. VAT (41,06 € with
    19 % VAT)", or " incl. 10 % GST" where prices include it (C6); nothing where no tax is
    charged (no rate, or 0 %: the amount is then all there is)."""
    if not refund.rate:
        return ""
    rate = f"{percent(refund.rate, locale)} {refund.label}"
    if refund.inclusive:
        return f" incl. {rate}"
    return f" excl. {refund.label} ({money(refund.total)} with {rate})"
