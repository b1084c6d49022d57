"""A reseller's economics of one plan: its cost, its retail price and the margin between.

Policy:
- Cost is what the provider charges the reseller: the provider's cost plus the reseller's
  markup (catalog/pricing.py reseller_price), or the order line's price once ordered.
- Retail is what the reseller's end customer is invoiced (billing/reinvoice.py): the
  provider's retail price, else Microsoft's estimated retail (ERP).
- Margin is retail minus cost; its percentage is of retail (a gross margin), to one place.
- Per billing period, each amount is one charge line's amount for the quantity
  (persistence/money.py charge_amount), as the invoices will show them.
Only resellers and the provider see this; customers never see cost or margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from persistence.money import charge_amount

ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Margin:
    cost: Decimal
    retail: Decimal
    currency: str

    @property
    def amount(self) -> Decimal:
        return self.retail - self.cost

    @property
    def percent(self) -> Decimal | None:
        """The margin as a share of retail; None when retail is zero (no share of nothing)."""
        if not self.retail:
            return None
        return (self.amount / self.retail * 100).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    def times(self, quantity: int) -> Margin:
        """The same plan for `quantity` licenses over one billing period."""
        return Margin(charge_amount(self.cost, quantity, self.currency),
                      charge_amount(self.retail, quantity, self.currency), self.currency)


def margin(cost: Decimal, retail: Decimal, currency: str) -> Margin:
    """One license's margin for one billing period."""
    return Margin(Decimal(cost), Decimal(retail), currency)
