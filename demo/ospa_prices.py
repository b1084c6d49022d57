"""Demo OSPA price list (O6): the partner prices the demo usage's meters from before the
enrollment's start, and has scheduled a rise a month ahead, so the enrollment page shows
the price-change notice its customer was emailed (price protection: the enrollment keeps
its price)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from accounts.models import User
from commitments.records import price_list
from commitments.records.partner_models import OspaPrice
from persistence import db

PRICES = {
    "Virtual Machines D4s v5 (hours)": Decimal("2.40"),
    "Azure SQL Database vCore (hours)": Decimal("3.20"),
    "Blob Storage (GB-month)": Decimal("0.30"),
}
RISE = ("Virtual Machines D4s v5 (hours)", Decimal("2.64"))


def load_prices(partner_reseller_id: int | None, admin: User, since: date, today: date) -> int:
    """Price the demo meters from `since` and schedule the rise; returns lines added."""
    for meter, price in PRICES.items():
        db.session.add(OspaPrice(partner_reseller_id=partner_reseller_id, meter=meter,
                                 unit_price=price, effective_from=since,
                                 recorded_by_id=admin.id))
    db.session.commit()
    meter, price = RISE
    price_list.schedule_price(partner_reseller_id, meter, price, today + timedelta(days=30),
                              today, admin)
    return len(PRICES) + 1
