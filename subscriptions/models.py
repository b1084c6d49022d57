"""The local mirror of Partner Center subscriptions, tagged with the reseller's MPN (K8).

Term dates keep one convention: `term_start` is when the current term began and `term_end`
when it is over, the instant the next term begins (renewal, expiry, R5's last chance to
reactivate, the reminders' renewal day). Partner Center's new-commerce commitmentEndDate is
the term's LAST day, inclusive ("New commerce end dates are inclusive", subscription-
resources; get-a-subscription-by-id: 2022-01-13T00:00:00Z, commitmentEndDateTime
23:59:59Z) and the renewal runs from 00:00 UTC the day after, so `term_end` is that
midnight: the client reads it so (commerce_types.Subscription.term_end). `last_moment` is
the end date as Microsoft and people name it (a term "ends on" its last day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import event

from persistence import Money, as_utc, db, utcnow
from subscriptions import rules
from subscriptions.sealed import Encrypted, identity_digest

# What every checkout reads of the buyer's tenant's subscriptions (orders/snapshot.py):
# on PostgreSQL the customer index carries them, so a customer with many subscriptions is
# read from the index alone, not from a heap page per subscription (#27: 1,000 of a buyer's
# subscriptions among 1M took 1.7 ms and 1,000 page reads; 0.3 ms and 15 with it).
CHECKOUT_FACTS = ("id", "pc_subscription_id", "pc_product_id", "pc_sku_id", "family",
                  "billing_cycle", "term_duration", "status", "partner_id")
CANCELLED = ("cancelled", "deleted")


class Subscription(db.Model):
    __tablename__ = "subscriptions"
    __table_args__ = (db.Index("ix_subscriptions_customer_id", "customer_id",
                               postgresql_include=list(CHECKOUT_FACTS)),)

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    # The order line that created it; no foreign key, to keep orders ⇄ subscriptions acyclic.
    order_line_id = db.Column(db.Integer, index=True)
    tenant_id = db.Column(db.String(36), nullable=False, default="", index=True)
    pc_subscription_id = db.Column(db.String(60), unique=True)
    pc_order_id = db.Column(db.String(60), nullable=False, default="")
    # S6: its line of that order (lineItemNumber), which an order PATCH names to cancel it
    # alone; NULL when not known (older rows: subscriptions.order_lines finds it).
    pc_line_item_number = db.Column(db.Integer)
    offer_id = db.Column(db.String(80), nullable=False, default="")  # the catalogItemId
    pc_product_id = db.Column(db.String(40), nullable=False, default="")
    pc_sku_id = db.Column(db.String(20), nullable=False, default="")
    title = db.Column(db.String(300), nullable=False)
    family = db.Column(db.String(30), nullable=False)
    billing_cycle = db.Column(db.String(10), nullable=False)
    term_duration = db.Column(db.String(3), nullable=False, default="")
    quantity = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending", index=True)
    autorenew = db.Column(db.Boolean, nullable=False, default=True)  # S1: on by default
    partner_id = db.Column(db.String(20), nullable=False, default="")  # K8: reseller MPN
    purchased_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    term_start = db.Column(db.DateTime(timezone=True))
    term_end = db.Column(db.DateTime(timezone=True))
    cancellation_allowed_until = db.Column(db.DateTime(timezone=True))
    # S2: Partner Center's refundableQuantity.details as JSON [{"quantity", "until"}]; ""
    # until a read of the subscription has reported it.
    refundable = db.Column(db.Text, nullable=False, default="")
    # R1: Partner Center's scheduledNextTermInstructions, in our words ({"quantity",
    # "term_duration", "billing_cycle", "pc_product_id", "pc_sku_id", "availability_id"});
    # NULL when nothing is scheduled. Shown until the renewal applies it.
    next_term = db.Column(db.JSON)
    # R1/B1: from the day its latest renewal began a term, billed at the catalog price of
    # that term (the price the renewal reminder promised; subscriptions.term_prices), not
    # the order line's; the retail one for a reseller's re-invoice. NULL before any
    # renewal, and the price NULL when the catalog did not sell the renewed term.
    renewed_on = db.Column(db.Date)
    renewed_unit_price = db.Column(Money())
    renewed_retail_unit_price = db.Column(Money())
    # R5: why the provider suspended it (shown to the buyer); "" when not suspended.
    suspension_reason = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)
    synced_at = db.Column(db.DateTime(timezone=True))

    customer = db.relationship("Customer")
    reseller = db.relationship("Reseller")
    product = db.relationship("Product")
    # The line it was bought on, for the price paid (S3/S6). Named, not imported, so the
    # subscriptions package stays below orders; read-only, as the column has no key.
    order_line = db.relationship(
        "OrderLine", primaryjoin="foreign(Subscription.order_line_id) == OrderLine.id",
        viewonly=True)

    events = db.relationship("SubscriptionEvent", back_populates="subscription",
                             order_by="SubscriptionEvent.id", cascade="all, delete-orphan")
    keys = db.relationship("SoftwareKey", back_populates="subscription",
                           order_by="SoftwareKey.id", cascade="all, delete-orphan")
    renewed_terms = db.relationship("RenewedTerm", order_by="RenewedTerm.began_on",
                                    cascade="all, delete-orphan")

    @property
    def live_keys(self) -> list[SoftwareKey]:
        """Keys not revoked (S6 hides revoked ones)."""
        return [k for k in self.keys if k.revoked_at is None]

    @property
    def renews(self) -> bool:
        """Whether it has a term that renews: not perpetual software, not an Azure plan."""
        return self.family not in rules.NO_TERM

    @property
    def cancelled(self) -> bool:
        """Cancelled (Partner Center's "deleted", mirrored as cancelled): it neither renews
        nor runs to its term's end."""
        return self.status in CANCELLED

    @property
    def cancelled_at(self) -> datetime | None:
        """When it was cancelled here (its latest cancellation in the history); None when
        it is not, or was cancelled in Partner Center, which reports no such time."""
        if not self.cancelled:
            return None
        return max((e.at for e in self.events if e.kind == "cancel"), default=None)

    @property
    def term_ends(self) -> datetime | None:
        """When its term ends; None when it has no term (perpetual software, an Azure plan),
        whose commitment end Partner Center reports as a date far in the future
        (subscription-resources: "for subscriptions that can't autorenew")."""
        return self.term_end if self.renews else None

    @property
    def last_moment(self) -> datetime | None:
        """The term's last second (Partner Center's commitmentEndDateTime, 23:59:59 UTC of
        its last day): its day is the end date to name, where `term_end` is the next day."""
        ends = as_utc(self.term_end)
        return None if ends is None else ends - timedelta(seconds=1)

    @property
    def last_day(self) -> date | None:
        """The term's last day as Microsoft dates it (commitmentEndDate, a UTC day), for
        exports and the API, which have no viewer's zone; None when it has no term."""
        return self.last_moment.date() if self.term_ends is not None else None

    def record(self, kind: str, note: str, user=None, request_id: str = "",
               data: dict | None = None) -> SubscriptionEvent:
        """Append a history row; the caller commits."""
        event = SubscriptionEvent(kind=kind, note=note, user=user, request_id=request_id,
                                  data=data or {})
        self.events.append(event)
        return event


class SubscriptionEvent(db.Model):
    """One change of a subscription: who, what, and the MS-RequestId it was sent with."""

    __tablename__ = "subscription_events"

    id = db.Column(db.Integer, primary_key=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False,
                                index=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    kind = db.Column(db.String(30), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    request_id = db.Column(db.String(60), nullable=False, default="")
    # What billing needs to charge the change (B2, B3): the seats before and after, or the
    # cancellation's quote as the page showed it.
    data = db.Column(db.JSON, nullable=False, default=dict)

    subscription = db.relationship("Subscription", back_populates="events")
    user = db.relationship("User")


class RenewedTerm(db.Model):
    """R1/B1: a term a renewal began, as billing charges it: from its first day, its charge
    cycle and term, at the prices the sync recorded for it (the subscription's renewed_*
    columns hold the latest's). Billing a month after a later renewal (a run caught up
    late, or the 1st's run after the night's renewal) charges that month's term at its own
    price, not the order line's. A price is NULL when no renewal was ever priced (the
    catalog did not sell the term): the order line's then, as for the subscription.

    A subscription with no order line (imported from Partner Center) also keeps, at its
    first renewal, the term it was bought on: began_on its purchase day, at the price
    billing charged that term (subscriptions.sync._keep_bought_term; B2).

    The plan (product and SKU) the term had is kept too (R1/R4: a renewal may move the
    subscription to another plan, and a later one may move it again), so a term's charges
    are reconciled against the price-list row Microsoft renewed it at (B6). NULL for terms
    recorded before migration 0048: the subscription's plan then."""

    __tablename__ = "subscription_terms"
    __table_args__ = (db.UniqueConstraint("subscription_id", "began_on"),)

    id = db.Column(db.Integer, primary_key=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False)
    began_on = db.Column(db.Date, nullable=False)
    billing_cycle = db.Column(db.String(10), nullable=False)
    term_duration = db.Column(db.String(3), nullable=False, default="")
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"))
    pc_sku_id = db.Column(db.String(20))
    unit_price = db.Column(Money())
    retail_unit_price = db.Column(Money())
    recorded_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class Entitlement(db.Model):
    """What Partner Center says a customer may use because of one order line (Get a
    collection of entitlements), mirrored; included ones point at the one including them.
    Keys and downloads are recorded against it by the provider's admins (S7)."""

    __tablename__ = "entitlements"
    __table_args__ = (db.UniqueConstraint("tenant_id", "pc_order_id", "line_item_id",
                                          "pc_product_id", "pc_sku_id"),)

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    tenant_id = db.Column(db.String(36), nullable=False)
    # The local subscription of the order line; NULL until one is mirrored.
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("entitlements.id"))
    pc_order_id = db.Column(db.String(60), nullable=False)  # referenceOrder.id
    line_item_id = db.Column(db.String(10), nullable=False)  # referenceOrder.lineItemId
    alternate_id = db.Column(db.String(60), nullable=False, default="")
    pc_product_id = db.Column(db.String(40), nullable=False)
    pc_sku_id = db.Column(db.String(20), nullable=False)
    entitlement_type = db.Column(db.String(40), nullable=False)
    quantity = db.Column(db.Integer, nullable=False, default=0)
    expires_at = db.Column(db.DateTime(timezone=True))
    synced_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # When Partner Center stopped listing it (cancelled, S6); NULL while it does.
    gone_at = db.Column(db.DateTime(timezone=True))

    customer = db.relationship("Customer")
    subscription = db.relationship("Subscription")
    parent = db.relationship("Entitlement", remote_side=[id])
    keys = db.relationship("SoftwareKey", back_populates="entitlement",
                           order_by="SoftwareKey.id")

    @property
    def title(self) -> str:
        """The subscription's title (the product id when none is mirrored); an included
        entitlement names its product and what includes it."""
        base = self.subscription.title if self.subscription else self.pc_product_id
        if self.parent_id is None:
            return base
        return f"{self.pc_product_id}:{self.pc_sku_id}, included with {base}"

    @property
    def live_keys(self) -> list[SoftwareKey]:
        return [k for k in self.keys if k.revoked_at is None]


_LIVE = "revoked_at IS NULL"


class SoftwareKey(db.Model):
    """A product key and/or download link of a software subscription (S6, S7), recorded by
    a provider admin from what Partner Center shows: the storefront never makes one up."""

    __tablename__ = "software_keys"
    # S7: each live key is recorded once (a resubmitted form or a CSV imported twice adds
    # nothing); a revoked one may be recorded again.
    __table_args__ = (db.Index("uq_software_keys_identity", "identity_digest", unique=True,
                               sqlite_where=db.text(_LIVE), postgresql_where=db.text(_LIVE)),)

    id = db.Column(db.Integer, primary_key=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False,
                                index=True)
    entitlement_id = db.Column(db.Integer, db.ForeignKey("entitlements.id"), index=True)
    product_key = db.Column(Encrypted, nullable=False, default="")  # S7: never in clear
    download_url = db.Column(db.String(500), nullable=False, default="")
    # The download's choices as Partner Center lists them ("" when not a download).
    version = db.Column(db.String(40), nullable=False, default="")
    language = db.Column(db.String(40), nullable=False, default="")
    file_type = db.Column(db.String(20), nullable=False, default="")
    os = db.Column(db.String(40), nullable=False, default="")
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    issued_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime(timezone=True))
    # Keyed digest of subscription, entitlement, key, link and choices (subscriptions.sealed).
    identity_digest = db.Column(db.String(64), nullable=False)

    subscription = db.relationship("Subscription", back_populates="keys")
    entitlement = db.relationship("Entitlement", back_populates="keys")
    recorded_by = db.relationship("User")

    @property
    def choices(self) -> str:
        """Version, language, file type and OS in words ("" when none is given)."""
        return " · ".join(v for v in (self.version, self.language, self.file_type, self.os)
                          if v)


    @property
    def identity(self) -> tuple:
        """What makes two records the same key: where, the key, the link and its choices."""
        return (self.subscription_id, self.entitlement_id, self.product_key or "",
                self.download_url or "", self.version or "", self.language or "",
                self.file_type or "", self.os or "")


@event.listens_for(SoftwareKey, "before_insert")
def _digest_identity(_mapper, _connection, key: SoftwareKey) -> None:
    """A key added through the session gets its digest too (subscriptions.entitlements
    inserts with it already)."""
    key.identity_digest = key.identity_digest or identity_digest(*key.identity)


class KeyAccess(db.Model):
    """S7 activity log: every reveal of a key and every download, by whom and when."""

    __tablename__ = "key_access_log"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False)
    key_id = db.Column(db.Integer, db.ForeignKey("software_keys.id"), nullable=False)
    action = db.Column(db.String(10), nullable=False)  # reveal | download
    ip = db.Column(db.String(45), nullable=False, default="")

    user = db.relationship("User")
    subscription = db.relationship("Subscription")
    key = db.relationship("SoftwareKey")  # which key or download (language, version...)


class PartnerCenterImport(db.Model):
    """One run of the import of the provider's existing Partner Center customer base: its
    state, how far it got, and what it found (subscriptions.adoption)."""

    __tablename__ = "partner_center_imports"

    id = db.Column(db.Integer, primary_key=True)
    state = db.Column(db.String(10), nullable=False, default="running")  # finished | failed
    # 1 while running, NULL afterwards: the unique constraint lets only one run be running
    # (NULLs never collide), so two admins pressing the button cannot start two imports.
    running = db.Column(db.Integer, unique=True)
    started_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # The heartbeat: written after every page, so a run that died shows as stale.
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    pages = db.Column(db.Integer, nullable=False, default=0)
    customers_read = db.Column(db.Integer, nullable=False, default=0)
    summary = db.Column(db.JSON, nullable=False, default=dict)  # ImportSummary.as_dict()
    error = db.Column(db.Text, nullable=False, default="")

    started_by = db.relationship("User")


class RenewalSettings(db.Model):
    """R2: how many days before a term's end buyers are reminded (one row, admin-edited)."""

    __tablename__ = "renewal_settings"

    id = db.Column(db.Integer, primary_key=True)
    reminder_days = db.Column(db.String(100), nullable=False, default="60,30,7")

    @property
    def days(self) -> tuple[int, ...]:
        """The reminder days, largest first."""
        return tuple(sorted({int(d) for d in self.reminder_days.split(",") if d.strip()},
                            reverse=True))

    @classmethod
    def current(cls) -> RenewalSettings:
        """The settings row, made with the defaults on first use (the caller commits)."""
        row = db.session.get(cls, 1)
        if row is None:
            row = cls(id=1, reminder_days="60,30,7")
            db.session.add(row)
        return row


class RenewalReminder(db.Model):
    """R2: one reminder sent for one term end and one lead time; unique, so each is sent
    once even when two daily runs overlap."""

    __tablename__ = "renewal_reminders"
    __table_args__ = (db.UniqueConstraint("subscription_id", "term_end", "days_before"),)

    id = db.Column(db.Integer, primary_key=True)
    subscription_id = db.Column(db.Integer, db.ForeignKey("subscriptions.id"), nullable=False,
                                index=True)
    term_end = db.Column(db.DateTime(timezone=True), nullable=False)
    days_before = db.Column(db.Integer, nullable=False)
    sent_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
