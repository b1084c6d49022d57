"""B6, the comparison itself: pure, no database, no network.

Both sides are grouped by subscription, charge type and charge period (first and last
day); a group on one side must meet a group with the same key on the other, with the same
quantity and the amount Microsoft should bill for it. What is left over is paired by
subscription and charge type (a different period), else it is unmatched.

- Seat changes: Microsoft bills each as two lines of the change's type (addQuantity or
  removeQuantity): the old quantity refunded and the new one charged, from the change to
  the end of its cycle (recon-file-charge-types, common-billing-scenarios-onetime-
  recurring). Our ledger keeps the same pair. A refund line is told by its negative
  effective unit price or amount; quantities are compared as the signed sum of a group,
  the net seats added or removed. Our `oneTime` (perpetual software) is Microsoft's `new`.
- Amounts: our charges are at the buyer's price, Microsoft's at the provider's cost. What
  Microsoft should bill for a charge is our cost (the catalog price's unit_price) prorated
  as the charge was (effective / unit price of the charge: billable days / cycle days),
  converted with Microsoft's own PCToBCExchangeRate and cut to the cent per unit the way
  Microsoft computes a license line's subtotal: ROUNDDOWN(EffectiveUnitPrice x
  PCToBCExchangeRate, 2) x BillableQuantity (modern-invoice-reconciliation-file). Our
  effective price is stored to 4 places and Microsoft's own examples round a refund line
  both ways (-94.08 and 112.8 in one example), so a difference of at most one cent per
  seat on Microsoft's lines is rounding; more than that is a discrepancy.
- A cycle charged at the old count before the sync saw a change made in Partner Center, and
  the change's catch-up pairs for it, are one group (billing.catch_ups): Microsoft bills that
  cycle as one line at the new count. Their parts are whole cycles, with nothing to round
  but Microsoft's own cut, so they must sum to Microsoft's line to the cent; matched, they
  are still listed, saying so, since our invoice shows the cycle as more than one line.
- A late-seen change's charges that a later month billed here are matched in Microsoft's
  month (billing.late_billed); a row of a group billed here in another month than
  Microsoft's, or in more than one, says which, and is listed even when it matches.
- A charge and its credit for the same seats and days in one month net to nothing (R4: a
  cycle charged as a purchase and given back, billing.made_by_upgrade): nothing Microsoft
  bills, so it is not listed when Microsoft has no line of its key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from billing.reconciliation_models import ItemKind

MICROSOFT_TYPES = ("new", "renew", "cycleCharge", "addQuantity", "removeQuantity",
                   "moveQuantity", "cancelImmediate", "convert", "changeBillingPlan",
                   "customerCredit", "extendTerm")
CANONICAL = {name.lower(): name for name in MICROSOFT_TYPES}
OURS_TO_MICROSOFT = {"oneTime": "new"}
CREDITS = ("cancelImmediate",)  # always a refund, whatever the price
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Key:
    """What a charge is for: one subscription, one charge type, one charge period."""

    subscription: str  # Partner Center's subscription id, lower case
    charge_type: str
    start: date | None
    end: date | None


def key(subscription: str, charge_type: str, start: date | None, end: date | None) -> Key:
    """The key of a line of either side; a missing end (perpetual software) is its start."""
    kind = OURS_TO_MICROSOFT.get(charge_type, charge_type)
    return Key(subscription.strip().lower(), CANONICAL.get(kind.lower(), kind), start,
               end or start)


@dataclass
class MicrosoftGroup:
    """Microsoft's lines of one key, summed."""

    quantity: Decimal = Decimal(0)  # signed: refunds count negative
    seats: Decimal = Decimal(0)  # unsigned: the seats of every line
    amount: Decimal = Decimal(0)  # subtotal, billing currency
    unsigned: bool = False  # a zero-priced refund cannot be told from a charge
    currency: str = ""
    pricing_currency: str = ""
    rate: Decimal = Decimal(1)
    invoice_id: str = ""
    customer_name: str = ""
    product: str = ""

    def add(self, item) -> None:
        """Add one ReconciliationLineItem."""
        quantity = Decimal(item.billable_quantity)
        refund = (item.effective_unit_price < 0 or item.subtotal < 0
                  or CANONICAL.get(item.charge_type.lower()) in CREDITS)
        self.unsigned |= item.effective_unit_price == 0 and item.subtotal == 0
        self.quantity += -quantity if refund else quantity
        self.seats += abs(quantity)
        self.amount += item.subtotal
        self.currency, self.pricing_currency = item.currency, item.pricing_currency
        self.rate, self.invoice_id = item.exchange_rate, item.invoice_number
        self.customer_name = self.customer_name or item.customer_name
        self.product = self.product or item.sku_name or item.product_name


@dataclass
class OurGroup:
    """Our charges of one key: signed quantities and each charge's cost per unit."""

    parts: list[tuple[Decimal | None, int]] = field(default_factory=list)
    currency: str = ""
    subscription_id: int | None = None
    customer_name: str = ""
    product: str = ""
    charged_before: int | None = None  # a cycle's count before late-seen catch-ups
    caught_up: list[str] = field(default_factory=list)  # their charge types
    billed_in: list[str] = field(default_factory=list)  # the months that billed its charges
    microsoft_month: str = ""  # the month Microsoft bills it in (billing.late_billed)

    def add(self, quantity: int, unit_price: Decimal, effective: Decimal,
            cost: Decimal | None) -> None:
        """Add one charge; `cost` is the provider's price per unit and full cycle."""
        if cost is None:
            self.parts.append((None, quantity))
            return
        # Multiply before dividing: 12 x 14 / 15 is 11.2 exactly, 12 x (14 / 15) is not.
        prorated = abs(Decimal(cost) * Decimal(effective) / Decimal(unit_price)) \
            if unit_price else Decimal(cost)
        self.parts.append((prorated, quantity))

    def billed(self, month: str, microsoft_month: str) -> None:
        """Note the month that billed a charge of the group, and Microsoft's month."""
        if month not in self.billed_in:
            self.billed_in = sorted([*self.billed_in, month])
        self.microsoft_month = microsoft_month

    def join(self, other: OurGroup) -> None:
        """Add another group's charges of the same key (or of its cycle)."""
        self.parts += other.parts
        for month in other.billed_in:
            self.billed(month, self.microsoft_month or other.microsoft_month)

    def catch_up(self, pair: OurGroup, charge_type: str) -> None:
        """Add the catch-up pair of a change the sync saw after this cycle was charged
        (billing.catch_ups)."""
        if self.charged_before is None:
            self.charged_before = self.quantity
        self.join(pair)
        if charge_type not in self.caught_up:
            self.caught_up.append(charge_type)

    @property
    def late_seen(self) -> str:
        """What the page says of a cycle charge with a late-seen change ("" for others)."""
        if not self.caught_up:
            return ""
        return (f"cycle charge with a late-seen change: charged at {self.charged_before}, "
                f"caught up to {self.quantity} ({', '.join(self.caught_up)})")

    @property
    def months_note(self) -> str:
        """What the page says of a group billed here in another month than Microsoft's, or
        in more than one ("" for others)."""
        if not self.microsoft_month or self.billed_in in ([], [self.microsoft_month]):
            return ""
        return (f"billed here in {' and '.join(self.billed_in)}, by Microsoft in "
                f"{self.microsoft_month}")

    @property
    def quantity(self) -> int:
        return sum(q for _, q in self.parts)

    @property
    def seats(self) -> int:
        return sum(abs(q) for _, q in self.parts)

    def nets_to_nothing(self) -> bool:
        """Whether its charges and credits cancel out: the same seats at each cost."""
        by_cost: dict[Decimal | None, int] = defaultdict(int)
        for cost, quantity in self.parts:
            by_cost[cost] += quantity
        return not any(by_cost.values())

    def expected(self, rate: Decimal) -> Decimal | None:
        """What Microsoft should bill for these charges, in its billing currency (None when
        a charge's cost is unknown)."""
        if any(cost is None for cost, _ in self.parts):
            return None
        return sum(((cost * rate).quantize(CENT, ROUND_DOWN) * q  # type: ignore[operator]
                    for cost, q in self.parts), Decimal(0))


@dataclass(frozen=True)
class Finding:
    """One disagreement, or a match the page explains (a cycle with a late-seen change),
    ready to be stored as a ReconciliationItem."""

    kind: str
    key: Key
    quantity_ours: Decimal | None
    quantity_microsoft: Decimal | None
    amount_ours: Decimal | None
    amount_microsoft: Decimal | None
    currency: str
    note: str
    ours: OurGroup | None
    microsoft: MicrosoftGroup | None

    @property
    def agrees(self) -> bool:
        return self.kind in ItemKind.LISTED


def _differences(k: Key, ours: OurGroup, theirs: MicrosoftGroup,
                 period: Key | None = None) -> tuple[list[str], Decimal | None]:
    """What differs between the two sides of a pair, and the amount we expected."""
    notes = []
    if period is not None:
        notes.append(f"period {period.start}–{period.end} here, {k.start}–{k.end} at "
                     "Microsoft")
    same = (abs(ours.quantity) == abs(theirs.quantity)) if not theirs.unsigned \
        else ours.seats == theirs.seats
    if not same:
        notes.append(f"quantity {ours.quantity} here, {theirs.quantity} at Microsoft")
    if ours.currency and theirs.pricing_currency and ours.currency != theirs.pricing_currency:
        notes.append(f"priced in {ours.currency} here, in {theirs.pricing_currency} at "
                     "Microsoft")
        return notes, None
    expected = ours.expected(theirs.rate)
    # Whole cycles have no proration to round: a late-seen catch-up sums to the cent.
    slack = Decimal(0) if ours.caught_up else CENT * max(theirs.seats, Decimal(1))
    if expected is None:
        notes.append("no cost price for the amount: check the catalog")
    elif abs(expected - theirs.amount) > slack:
        notes.append(f"amount {expected.quantize(CENT)} expected at our cost, "
                     f"{theirs.amount.quantize(CENT)} billed")
    return notes, expected


def _note(ours: OurGroup, notes: list[str]) -> str:
    """A row's note: what differs, after what a late-seen catch-up added to the cycle and
    which months billed it here (billing.late_billed)."""
    return "; ".join(n for n in (ours.late_seen, ours.months_note, *notes) if n)[:300]


def _pair(k: Key, ours: OurGroup, theirs: MicrosoftGroup) -> Finding | None:
    notes, expected = _differences(k, ours, theirs)
    if not notes and not ours.late_seen and not ours.months_note:
        return None
    kind = (ItemKind.DIFFERENT if notes else ItemKind.MATCHED_BILLED_LATER
            if ours.months_note else ItemKind.MATCHED_LATE_SEEN)
    return Finding(kind, k, Decimal(ours.quantity), theirs.quantity, expected,
                   theirs.amount, theirs.currency, _note(ours, notes), ours, theirs)


def _different_period(mine: Key, theirs_key: Key, ours: OurGroup,
                      theirs: MicrosoftGroup) -> Finding:
    notes, expected = _differences(theirs_key, ours, theirs, period=mine)
    return Finding(ItemKind.DIFFERENT, theirs_key, Decimal(ours.quantity), theirs.quantity,
                   expected, theirs.amount, theirs.currency, _note(ours, notes), ours,
                   theirs)


def _alone_ours(k: Key, ours: OurGroup) -> Finding:
    expected = ours.expected(Decimal(1))
    return Finding(ItemKind.UNMATCHED_OURS, k, Decimal(ours.quantity), None, expected, None,
                   ours.currency, _note(ours, ["charged here, not billed by Microsoft"]),
                   ours, None)


def _alone_microsoft(k: Key, theirs: MicrosoftGroup) -> Finding:
    return Finding(ItemKind.UNMATCHED_MICROSOFT, k, None, theirs.quantity, None,
                   theirs.amount, theirs.currency, "billed by Microsoft, no charge here",
                   None, theirs)


def match(ours: dict[Key, OurGroup],
          microsoft: dict[Key, MicrosoftGroup]) -> tuple[list[Finding], int]:
    """Every disagreement between the two sides (and each cycle with a late-seen change,
    matched or not), and how many groups agreed."""
    findings, agreed = [], 0
    for k in ours.keys() & microsoft.keys():
        found = _pair(k, ours[k], microsoft[k])
        agreed += found is None or found.agrees
        findings += [found] if found else []
    left_ours = _by_plan(k for k in ours if k not in microsoft
                         and not ours[k].nets_to_nothing())
    left_theirs = _by_plan(k for k in microsoft if k not in ours)
    for plan in sorted(left_ours.keys() | left_theirs.keys()):
        mine, theirs = left_ours.get(plan, []), left_theirs.get(plan, [])
        for a, b in zip(mine, theirs, strict=False):  # same plan, another period
            findings.append(_different_period(a, b, ours[a], microsoft[b]))
        findings += [_alone_ours(a, ours[a]) for a in mine[len(theirs):]]
        findings += [_alone_microsoft(b, microsoft[b]) for b in theirs[len(mine):]]
    findings.sort(key=lambda f: (f.key.subscription, f.key.start or date.min, f.kind))
    return findings, agreed


def _by_plan(keys) -> dict[tuple[str, str], list[Key]]:
    """Unmatched keys by subscription and charge type, oldest period first."""
    found: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for k in keys:
        found[(k.subscription, k.charge_type)].append(k)
    return {plan: sorted(ks, key=lambda k: (k.start or date.min, k.end or date.min))
            for plan, ks in found.items()}
