"""R4 upgrades, now or at renewal: the plans Partner Center lists as eligible
transitions, and moving licenses to one (transition-a-new-commerce-subscription).

The seats move to a new subscription of the higher plan, coterminous with the source (or
into an eligible existing one); both rows are mirrored from Partner Center afterwards and
each one's history names the other (data "to"/"from"), so the buyer can follow the
licenses and the order page lists both (the new row has no order line of its own: the price
paid on the source's line is not its price). Each side's history also keeps its seats
before and after, and the new row the source's running term (`running_term`): billing
charges the move as Microsoft's conversion, the moved seats credited on the source and
charged on the new row from the upgrade day to the end of the source's running charge
cycle, and the new row's later cycles and renewals fall on the source's dates
(partner-center-api-2.md §4 Transitions, §5 `convert`), as the upgrade page promises.

At renewal there is no scheduled transition type: create-scheduled-changes upgrades the SKU
through the next-term instructions, to a plan listed by the "scheduled" eligibilities, so an
upgrade at renewal is an R1 change of plan (subscriptions.renewals.schedule).
"""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.price_words import counted
from connectors.partner_center import PartnerCenterClient
from connectors.partner_center.transition_types import Transition, TransitionEligibility
from persistence import db
from subscriptions import renewals
from subscriptions.conversions import Conversion, running_term
from subscriptions.errors import refuse
from subscriptions.matching import CatalogProduct, ProductIndex, Unmatched
from subscriptions.mirror import mirror
from subscriptions.models import Subscription, SubscriptionEvent
from subscriptions.pc_calls import send
from subscriptions.renewal_rules import NextTermChange
from subscriptions.rules import Refusal
from subscriptions.services import read_held


def eligible(sub: Subscription, client: PartnerCenterClient) -> tuple[TransitionEligibility,
                                                                      ...]:
    """The higher plans Partner Center offers this subscription now (none unless active)."""
    if sub.status != "active" or not (sub.tenant_id and sub.pc_subscription_id):
        return ()
    return tuple(e for e in client.get_transition_eligibilities(
        sub.tenant_id, sub.pc_subscription_id) if "transition_only" in e.transition_types)


def check_upgrade(sub: Subscription, offers: tuple[TransitionEligibility, ...],
                  to_catalog_item_id: str, quantity: int) -> Refusal | None:
    """R4: only an active subscription, to a plan listed as eligible, at most its seats."""
    if sub.status != "active":
        return Refusal("R4", "R4.not_active", f"This subscription is {sub.status}; only an "
                                              "active subscription can be upgraded.")
    if to_catalog_item_id not in {o.catalog_item_id for o in offers}:
        return Refusal("R4", "R4.not_eligible", "Plan: choose one of the upgrades Partner "
                                                "Center lists for this subscription.")
    if not 1 <= quantity <= sub.quantity:
        return Refusal("R4", "R4.quantity", f"Licenses to move: between 1 and {sub.quantity}.")
    return None


def _product(to_catalog_item_id: str) -> CatalogProduct:
    """The storefront's row of the target plan; refused when the catalog lacks it."""
    try:
        return ProductIndex.load().find(to_catalog_item_id)
    except Unmatched:
        refuse(Refusal("R4", "R4.not_sold", "Plan: this upgrade is not in the storefront's "
                                            "catalog yet; ask the provider to add it."))
        raise  # refuse raised already; this keeps type checkers content


def _target_row(sub: Subscription, transition: Transition,
                product: CatalogProduct) -> Subscription:
    """The local row of the subscription that received the seats (made when new)."""
    found = db.session.scalars(db.select(Subscription).filter_by(
        pc_subscription_id=transition.to_subscription_id)).first()
    if found is not None:
        return found
    parts = transition.to_catalog_item_id.split(":")
    row = Subscription(
        customer_id=sub.customer_id, reseller_id=sub.reseller_id, product_id=product.id,
        tenant_id=sub.tenant_id, pc_subscription_id=transition.to_subscription_id,
        pc_order_id=sub.pc_order_id, offer_id=transition.to_catalog_item_id,
        pc_product_id=parts[0], pc_sku_id=parts[1], title=product.title,
        family=product.family, billing_cycle=sub.billing_cycle,
        term_duration=sub.term_duration, partner_id=sub.partner_id, quantity=0)
    db.session.add(row)
    return row


def upgrade_now(sub: Subscription, to_catalog_item_id: str, quantity: int, user,
                client: PartnerCenterClient) -> Subscription:
    """R4: move `quantity` licenses to the higher plan now; answers the receiving row.
    Judged, and its seats before and after recorded, on the seats Partner Center holds:
    what it changed itself is recorded as billed first (write_answer.read_first), and a
    read it does not answer refuses the upgrade as an unanswered transition does."""
    offers = eligible(sub, client)
    if offers:  # none: refused below without one more call
        read_held(sub, user, client, "upgrade")
    refuse(check_upgrade(sub, offers, to_catalog_item_id, quantity))
    product = _product(to_catalog_item_id)
    done: list[Transition] = []
    today = datetime.now(UTC).date()
    before, term = sub.quantity, running_term(sub, today)
    request_id = send(sub, user, "upgrade", lambda rid: done.append(client.create_transition(
        sub.tenant_id, sub.pc_subscription_id, to_catalog_item_id, quantity, request_id=rid)))
    target = _target_row(sub, done[0], product)
    created, target_before = target.id is None, target.quantity
    mirror(sub, client.get_subscription(sub.tenant_id, sub.pc_subscription_id))
    mirror(target, client.get_subscription(sub.tenant_id, target.pc_subscription_id))
    db.session.flush()  # the new row's id, for the links below
    # B2: each side's seats before and after, billed as Microsoft's conversion pair from
    # today to the end of the running charge cycle (billing.charges).
    sub.record("upgrade", f"{counted(quantity, 'license')} moved to {target.title} (subscription "
                          f"{target.id}); {before} → {sub.quantity} here.", user, request_id,
               data={"to": target.id, "before": before, "after": sub.quantity})
    moved_in = {"from": sub.id, "before": target_before, "after": target.quantity}
    if created:  # coterminous: its cycles count from the source's term (billing.billed)
        moved_in |= Conversion(today, *term).as_data()
    target.record("upgrade", f"{counted(quantity, 'license')} moved here from {sub.title} "
                             f"(subscription {sub.id}).", user, request_id, data=moved_in)
    db.session.commit()
    return target


def upgrade_at_renewal(sub: Subscription, to_catalog_item_id: str, quantity: int, user,
                       client: PartnerCenterClient) -> Subscription:
    """R4 at renewal: the next term is `quantity` licenses of the higher plan, with the term
    and billing the renewal would have (R1 refuses them when that plan is not sold so)."""
    planned = renewals.next_term(sub)
    product = renewals.plan_product(to_catalog_item_id)
    return renewals.schedule(sub, NextTermChange(
        quantity, planned.term_duration, planned.billing_cycle, to_catalog_item_id,
        product.title if product else ""), user, client)


def upgraded_into(subscription_ids: list[int]) -> dict[int, list[Subscription]]:
    """R4: for each of these subscriptions, the ones its licenses were upgraded into (from
    the "upgrade" history), so an order page lists both after an upgrade."""
    events = db.session.scalars(db.select(SubscriptionEvent).where(
        SubscriptionEvent.subscription_id.in_(subscription_ids),
        SubscriptionEvent.kind == "upgrade").order_by(SubscriptionEvent.id)).all()
    wanted = {e.data["to"] for e in events if (e.data or {}).get("to")}
    rows = {s.id: s for s in db.session.scalars(db.select(Subscription).where(
        Subscription.id.in_(wanted)))} if wanted else {}
    found: dict[int, list[Subscription]] = {}
    for event in events:
        target = rows.get((event.data or {}).get("to"))
        if target is not None and target not in found.setdefault(event.subscription_id, []):
            found[event.subscription_id].append(target)
    return found
