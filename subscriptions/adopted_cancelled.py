"""S3/B3 with B1: a subscription adopted from Partner Center already cancelled there.

The hourly sync (or an import) may first meet a subscription after it was cancelled in
Partner Center ("deleted"): bought and cancelled between two passes, or while its product
was not in the catalog, or before its customer's tenant was linked (K11). The mirror copies
its status, but billing ends a subscription's charge cycles on its cancellation's day (its
"cancel" record, billing.billed), so without one it would bill its cycles to the term's
end, and catch up those missed before its adoption (billing.missed_cycles), after the
cancellation too. So the adoption records the cancellation, as the sync records one it sees
on a row it holds (subscriptions.seen_changes): Partner Center cancels only inside the
window (S3, 900213; S6 for perpetual software) and reports no time for it, so it is dated
the latest moment it can have been made, the adoption's time or the window's last moment if
earlier, with the quote the cancel page gives for that moment.

The record says the adoption found it cancelled (`FOUND`): billing credits the quote only
where it bills the subscription's cycles (billing.missed_cycles.billed_from_purchase); an
import's, or one bought before its customer's tenant was linked, was billed, cancellation
included, elsewhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from persistence import db
from subscriptions import rules
from subscriptions.models import Subscription
from subscriptions.quotes import cancellation_quote

FOUND = "found_cancelled"  # on the "cancel" record's data: the adoption found it so


def record_found_cancelled(sub: Subscription, now: datetime, seen: dict | None) -> None:
    """Record the cancellation of a subscription just adopted cancelled; `seen`: the sync's
    mark (None for an import), so billing charges it by the month it was seen in."""
    if sub.family == rules.AZURE_PLAN:  # never billed by these runs
        return
    db.session.flush()  # the quote reads its product, customer and price
    quote = cancellation_quote(sub, now)
    at = min(now, quote.closes - timedelta(seconds=1))  # S3: its close is outside it
    if at < now:
        quote = cancellation_quote(sub, at)
    note = (f"Found cancelled in Partner Center when adopted; cancelled by "
            f"{at:%Y-%m-%d %H:%M} UTC, the latest it can have been (Partner Center cancels "
            "only inside the window and gives no time): no charge cycle after it is billed "
            "(S3, B3).")
    event = sub.record("cancel", note, data={**quote.as_data(), FOUND: True, **(seen or {})})
    event.at = at
