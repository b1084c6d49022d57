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

from subscriptions.models import Subscription
from subscriptions.services import Promise, Quote

FIELD = "quote"
SALT = "subscription-cancel-quote"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def sign(sub: Subscription, quote: Quote, quoted_at: datetime) -> str:
    """The hidden field's value for the quote shown now on this subscription's page."""
    return _serializer().dumps({"subscription": sub.id, "at": quoted_at.isoformat(),
                                "amount": str(quote.amount), "currency": quote.currency})


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
