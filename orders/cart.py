"""Cart services: one cart per buyer and customer, kept across sign-outs; each commits once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select

from catalog import effective
from catalog.models import Price, Sku
from catalog.price_words import plan_words
from catalog.queries import CYCLE_ORDER, TERM_ORDER, buyer_market, buyer_price
from orders.models import Cart, CartLine
from persistence import MAX_ID, db
from subscriptions import rules
from subscriptions.errors import SubscriptionRefused, refuse
from subscriptions.models import Subscription
from subscriptions.services import facts as subscription_facts
from subscriptions.services import price_of, term_unit_price_now
from subscriptions.term_prices import listed_prices


class CartError(ValueError):
    """A cart change that cannot be made, with a message for the buyer; `code` is the
    refusing rule's problem code where one names it (C4.…)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def cart_for(user, customer, *, create: bool = True) -> Cart | None:
    """The user's cart for this customer."""
    cart = db.session.scalar(select(Cart).filter_by(user_id=user.id, customer_id=customer.id))
    if cart is None and create:
        cart = Cart(user_id=user.id, customer=customer)
        db.session.add(cart)
        db.session.flush()
    return cart


def holding_lines(user) -> Select:
    """The customers for whom this user's cart holds at least one line."""
    return select(Cart.customer_id).join(CartLine).where(Cart.user_id == user.id)


def line_counts(user, customer_ids: list[int]) -> dict[int, int]:
    """How many lines the user's cart for each of these customers holds; empty ones left out."""
    rows = db.session.execute(
        select(Cart.customer_id, func.count(CartLine.id)).join(CartLine)
        .where(Cart.user_id == user.id, Cart.customer_id.in_(customer_ids))
        .group_by(Cart.customer_id))
    return dict(rows.tuples().all())


def add_line(cart: Cart, price_id: int, quantity: int,
             add_to_subscription_id: int | None = None) -> CartLine:
    """Add a plan (or extra licenses for a subscription); the same offer twice adds up, at
    the row of the price list that sells today (a page shown before a row took over posts
    its predecessor's id) in the tier that prices the line's licences."""
    asked, tiers = _selling_tiers(price_id)
    price = _same_tier(asked, tiers)
    if price is None and add_to_subscription_id is not None:
        # C3: the subscription's own row, though no longer sold (end of sale, or Partner
        # Center no longer sells the SKU here): it only names the term; the licences cost
        # the subscription's term price.
        price = asked
    if price is None:
        raise CartError("That offer is no longer available. Pick another one in the shop.")
    if quantity < 1:
        raise CartError("Quantity: order at least 1 license.")
    market = buyer_market(cart.customer.country)
    if price.market != market:  # C7: only the customer's own market's prices
        raise CartError(f"That price is for the {price.market} market; "
                        f"{cart.customer.company_name} buys at {market} prices. Pick the plan "
                        "in the shop for this customer.")
    line = next((ln for ln in cart.lines if _offer(ln.price) == _offer(price)
                 and ln.add_to_subscription_id == add_to_subscription_id), None)
    quantity += line.quantity if line else 0
    if add_to_subscription_id is None:  # added licences cost the subscription's price
        price = _tier_for(tiers, price, quantity)
    _check_most(price, quantity)
    if line is None:
        line = CartLine(price=price, quantity=0, add_to_subscription_id=add_to_subscription_id)
        cart.lines.append(line)
    line.price, line.quantity = price, quantity
    db.session.commit()
    return line


def update_line(cart: Cart, line_id: int, quantity: int, price_id: int | None) -> None:
    """Change a line's quantity or billing option (another price of the same SKU)."""
    line = _line(cart, line_id)
    if quantity < 1:
        raise CartError("Quantity: order at least 1 license, or remove the line.")
    if line.add_to_subscription is not None:
        price = _subscriptions_own(line, price_id)
    else:
        price = _chosen(line, price_id, quantity)
    if price.term_duration != line.price.term_duration:  # R6: chosen for the old term
        line.custom_term_end, line.coterm_subscription_id = None, None
    _check_most(price, quantity)
    line.price, line.quantity = price, quantity
    db.session.commit()


def _chosen(line: CartLine, price_id: int | None, quantity: int) -> Price:
    """The row of the billing option chosen for a new subscription's line, in the tier of
    its quantity."""
    asked, tiers = _selling_tiers(price_id or line.price_id)
    price = _same_tier(asked, tiers)
    if price is None or price.sku_id != line.price.sku_id:
        if price_id and price_id != line.price_id:
            raise CartError("Billing: choose one of the options offered for this plan.")
        return line.price  # its offer sells no row today: checkout says why (C3)
    return _tier_for(tiers, price, quantity)


def _subscriptions_own(line: CartLine, price_id: int | None) -> Price:
    """C4: extra licences keep their subscription's term and billing, so the line keeps
    its row. The cart offers no choice for them; another term comes from a forged or
    stale form, and is refused rather than priced (B5: Partner Center would add the
    licences on the subscription's own term, billed at its price)."""
    if price_id and price_id != line.price_id:
        asked, _ = _selling_tiers(price_id)
        if asked is None or _terms(asked) != _terms(line.add_to_subscription):
            raise _other_terms(line.add_to_subscription)
    return line.price


def _terms(row: Price | Subscription) -> tuple[str, str]:
    return row.term_duration or "", row.billing_cycle


def _other_terms(sub: Subscription) -> CartError:
    terms = plan_words(sub.term_duration, sub.billing_cycle, sub.family)
    return CartError(
        f"Extra licenses for {sub.title} join that subscription on its own term and billing "
        f"({terms}); they cannot be bought on another (C4.subscription_other_terms). For "
        "another term, buy the plan in the shop as a new subscription.",
        code="C4.subscription_other_terms")


def _selling_tiers(price_id: int) -> tuple[Price | None, list[Price]]:
    """The price with this id (None for an id no row can have: a tampered form) and the
    rows of its offer selling today, one per tier."""
    if not 0 < price_id <= MAX_ID:
        return None, []
    return effective.asked_and_tiers(db.session, price_id)


def _same_tier(asked: Price | None, tiers: list[Price]) -> Price | None:
    """The row selling today in the asked row's tier; none for a row no longer listed."""
    if asked is None or not asked.listed:
        return None
    return next((row for row in tiers if row.tier_min == asked.tier_min), None)


def _offer(price: Price) -> tuple:
    """The offer a row prices, whatever its tier."""
    return effective.offer_key(price)[:-1]


def _tier_for(tiers: list[Price], price: Price, quantity: int) -> Price:
    """The row of the offer's tiers that prices `quantity` licences (S2: the price list
    sells that many at no price otherwise)."""
    row = effective.tier_for(tiers, quantity)
    if row is None:
        ranges = ", ".join(effective.tier_words(tier) for tier in tiers)
        raise CartError(f"Quantity: {price.sku.product.title} at this term is sold for "
                        f"{ranges}; {quantity:,} licenses is in none of them (S2). "
                        "Change the quantity.")
    return row


# A line's mark (not a column): the day its price was chosen as the row selling that day,
# so placing it in the same request reads its offer's rows once (#27's order floor).
_CHOSEN_ON = "_selling_row_chosen_on"


def chose_selling_row(line: CartLine, day: date) -> None:
    """Note that `line.price` was just chosen as the row of its offer selling on `day`."""
    setattr(line, _CHOSEN_ON, (line.price.id, day))


def follow_selling_rows(cart: Cart, day: date) -> None:
    """Move each line to the row of its offer that sells on `day`, in the tier that prices
    its quantity, so the cart, its review and the order price a line as the shop does that
    day; a line whose offer sells no row that day (C3), or none for its quantity (S2), keeps
    its own, and checkout refuses it. Not committed here."""
    for line in cart.lines:
        if line.price is None or getattr(line, _CHOSEN_ON, None) == (line.price.id, day):
            continue
        row = effective.selling_row(db.session, line.price, day, _tiered_quantity(line))
        if row is not None and row.id != line.price.id:
            line.price = row
        chose_selling_row(line, day)


def _tiered_quantity(line: CartLine) -> int | None:
    """The quantity that chooses the line's tier; none for added licences (they cost the
    subscription's price, whatever the tier)."""
    return line.quantity if line.add_to_subscription_id is None else None


def _check_most(price: Price, quantity: int) -> None:
    """S2's upper bound, at once: the cart never holds more than the plan can be bought in
    (the least, and bounds changed later, are checked at checkout)."""
    most = price.sku.product.max_quantity
    if quantity > most:
        raise CartError(f"Quantity: {price.sku.product.title} can be bought in at most "
                        f"{most:,} licenses per order (S2).")


def remove_line(cart: Cart, line_id: int) -> None:
    cart.lines.remove(_line(cart, line_id))
    db.session.commit()


def _line(cart: Cart, line_id: int) -> CartLine:
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:
        raise CartError("That line is no longer in the cart.")
    return line


def unit_price(line: CartLine, markups: dict) -> Decimal:
    """One license of the line as the order records it and billing charges it (B1, B5):
    extra licenses for a subscription at that subscription's term price, else today's
    buyer price (the reseller's cost plus markup, or retail)."""
    if line.add_to_subscription is not None:
        return term_price(line.add_to_subscription)
    return Decimal(buyer_price(line.price, line.price.sku.product_id, markups))


def term_price(sub: Subscription) -> Decimal:
    """The price per license of the subscription's term, which its seat changes are billed
    at (billing.charges): Microsoft keeps a term's price for licenses added within it, and
    a renewed term's is the renewal's (R1)."""
    return term_unit_price_now(sub)


def billing_options(line: CartLine) -> list[Price]:
    """The other prices of the line's SKU in the same market and currency that sell today,
    each in the tier that prices the line's quantity (else the lowest)."""
    today = effective.today()
    query = select(Price).join(Sku).where(
        Price.sku_id == line.price.sku_id, Price.market == line.price.market,
        Price.currency == line.price.currency, Price.listed.is_(True),
        *effective.window_filter(today))
    offers: dict[tuple, list[Price]] = {}
    for price in sorted(effective.selling(db.session.scalars(query).all(), today),
                        key=lambda p: p.tier_min):
        offers.setdefault(_offer(price), []).append(price)
    quantity = _tiered_quantity(line)
    chosen = [line.price if line.price in tiers else
              (quantity and effective.tier_for(tiers, quantity)) or tiers[0]
              for tiers in offers.values()]
    # In the shop's order (1-month, then 1-year billed monthly, then billed annually…).
    return sorted(chosen, key=lambda p: (
        TERM_ORDER.get(p.term_duration, 9), CYCLE_ORDER.get(p.billing_cycle, 9)))


def add_licenses(sub: Subscription, quantity: int, user) -> CartLine:
    """S2/C3/C4: extra licenses go through checkout as a cart line aimed at this subscription."""
    refuse(rules.check_add_licenses(subscription_facts(sub)))
    price = _row_of_its_terms(sub)
    if price is None:
        raise SubscriptionRefused(rules.Refusal(
            "S2", "S2.no_price", "This plan has no price to add licenses at; ask your provider."))
    try:
        return add_line(cart_for(user, sub.customer), price.id, quantity,
                              add_to_subscription_id=sub.id)
    except CartError as exc:
        db.session.rollback()
        raise SubscriptionRefused(rules.Refusal("S2", "S2.cart_refused", str(exc))) from exc


def _row_of_its_terms(sub: Subscription) -> Price | None:
    """C4: the row that labels extra licences with the subscription's own term and billing:
    the one it was bought at, unless a renewal changed its term or billing (R1); then its
    plan's row for them that sold on the renewal's day."""
    bought = price_of(sub)
    if bought is None or _terms(bought) == _terms(sub):
        return bought
    return next((row for row in listed_prices(sub, day=sub.renewed_on)
                 if _terms(row) == _terms(sub)), None)
