"""Catalog tables: products, SKUs, prices per term and billing cycle, settings, markups, and
the admin-editable country lists (K3 tax-ID countries, K10 reservation markets)."""

from __future__ import annotations

import enum

from persistence import Money, db, utcnow


class Family(enum.StrEnum):
    OFFICE365_BUSINESS = "office365_business"
    MICROSOFT365 = "microsoft365"
    DYNAMICS = "dynamics"
    SOFTWARE_SUBSCRIPTION = "software_subscription"
    PERPETUAL_SOFTWARE = "perpetual_software"
    AZURE_RESERVATION = "azure_reservation"
    AZURE_PLAN = "azure_plan"  # K12: one per customer; reservations need one
    OTHER = "other"


class BillingCycle(enum.StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    TRIENNIAL = "triennial"
    ONE_TIME = "one_time"


# S7: what a software purchase comes with (Product.delivery).
DELIVERIES = ("key", "download", "key_and_download", "none")
# The families Partner Center lists software entitlements for: only they come with a key,
# a download or installation instructions (S7).
SOFTWARE_FAMILIES = (Family.SOFTWARE_SUBSCRIPTION, Family.PERPETUAL_SOFTWARE)
TERMS = ("P1M", "P1Y", "P3Y")
SEGMENTS = ("commercial", "education", "government", "nonprofit")


class Product(db.Model):
    __tablename__ = "products"

    id = db.Column(db.Integer, primary_key=True)
    pc_product_id = db.Column(db.String(40), nullable=False, unique=True)
    title = db.Column(db.String(300), nullable=False)
    publisher = db.Column(db.String(120), nullable=False, default="Microsoft Corporation")
    description = db.Column(db.Text, nullable=False, default="")
    family = db.Column(db.String(30), nullable=False, default=Family.OTHER, index=True)
    segment = db.Column(db.String(20), nullable=False, default="commercial", index=True)
    # C3, as the admin sets it: no price list or sync undoes it.
    discontinued = db.Column(db.Boolean, nullable=False, default=False)
    # C3, each source's own word, lifted only by that source: every SKU of the product in
    # the latest price list is tagged EndOfSale (catalog/importer.py); the Partner Center
    # sync found no SKU purchasable in its market and no market still selling it
    # (catalog/sync.py).
    list_ended = db.Column(db.Boolean, nullable=False, default=False,
                           server_default=db.false())
    sync_ended = db.Column(db.Boolean, nullable=False, default=False,
                           server_default=db.false())
    # C3 as the shop and checkout read it: at end of sale when either source says so
    # (kept by both writers, so every listing filters on one column).
    end_of_sale = db.Column(db.Boolean, nullable=False, default=False)
    # C4: every order makes a new Partner Center subscription (Dynamics instances).
    new_subscription_per_order = db.Column(db.Boolean, nullable=False, default=False)
    # S5: RedHat and SUSE plans can never be cancelled.
    cancellable = db.Column(db.Boolean, nullable=False, default=True)
    min_quantity = db.Column(db.Integer, nullable=False, default=1)
    max_quantity = db.Column(db.Integer, nullable=False, default=10000)
    # S7: what a purchase delivers besides the licence: key, download, key_and_download or
    # none ("certain purchases don't require a download or key"), and where its
    # installation instructions are (e.g. Extended Security Updates); "" when none.
    delivery = db.Column(db.String(20), nullable=False, default="key_and_download")
    install_instructions_url = db.Column(db.String(500), nullable=False, default="")
    enabled = db.Column(db.Boolean, nullable=False, default=True, index=True)
    listed = db.Column(db.Boolean, nullable=False, default=True)  # still in the latest source
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    skus = db.relationship("Sku", back_populates="product", order_by="Sku.pc_sku_id",
                           cascade="all, delete-orphan")

    @property
    def withdrawn(self) -> bool:
        """No new subscription of it (C3): discontinued, or at end of sale in the list."""
        return self.discontinued or self.end_of_sale

    @property
    def stopped_markets(self) -> list[str]:
        """C3: the markets where the Partner Center sync last found a SKU of it not
        purchasable, for the admin's page."""
        return sorted({stop.market for sku in self.skus for stop in sku.stops})

    @property
    def sold_by_partner_center(self) -> bool:
        """C3: the last sync found a SKU of it purchasable (its availability is known) and
        has not ended it: what the admin weighs before keeping a Discontinued tick an
        older sync may have set."""
        return not self.sync_ended and any(s.purchasable and s.availability_id
                                           for s in self.skus)

    def follow_sources(self) -> None:
        """C3: at end of sale while the price list or the Partner Center sync says so."""
        self.end_of_sale = bool(self.list_ended or self.sync_ended)  # None: not yet saved

    @property
    def specialized(self) -> bool:
        """Education, government and nonprofit plans need a qualified customer (K7)."""
        return self.segment != "commercial"


class Sku(db.Model):
    __tablename__ = "skus"
    __table_args__ = (db.UniqueConstraint("product_id", "pc_sku_id"),)

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    pc_sku_id = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    unit_of_measure = db.Column(db.String(60), nullable=False, default="")
    # From Partner Center's availabilities; ids rotate, so provisioning re-reads them.
    availability_id = db.Column(db.String(40), nullable=False, default="")
    purchasable = db.Column(db.Boolean, nullable=False, default=True)

    product = db.relationship("Product", back_populates="skus")
    prices = db.relationship("Price", back_populates="sku", cascade="all, delete-orphan")
    stops = db.relationship("SkuMarketStop", cascade="all, delete-orphan")

    @property
    def catalog_item_id(self) -> str:
        """Partner Center's `product:sku:availability` id, once the availability is known."""
        if not self.availability_id:
            return ""
        return f"{self.product.pc_product_id}:{self.pc_sku_id}:{self.availability_id}"


UNDATED_KEY = ("sku_id", "term_duration", "billing_cycle", "market", "currency", "tier_min")


class Price(db.Model):
    """One price-list row: a SKU's price for a term, billing cycle, market and tier, from
    its effective start date (an offer may hold today's row and its successor; which one
    sells on a day is catalog/effective.py's to say)."""

    __tablename__ = "prices"
    __table_args__ = (
        db.UniqueConstraint("sku_id", "term_duration", "billing_cycle", "market", "currency",
                            "tier_min", "effective_start", name="uq_prices_natural_key"),
        # Covers "which SKUs are priced in this market" without touching the table.
        db.Index("ix_prices_market_listed", "market", "listed", "sku_id"),
        # A unique key counts NULLs as distinct: an offer's undated row is kept unique here.
        db.Index("uq_prices_undated_key", *UNDATED_KEY, unique=True,
                 sqlite_where=db.text("effective_start IS NULL"),
                 postgresql_where=db.text("effective_start IS NULL")),
        # The rows announced for later (the admin's upcoming prices) without a table scan.
        db.Index("ix_prices_effective_start", "effective_start"),
    )

    id = db.Column(db.Integer, primary_key=True)
    sku_id = db.Column(db.Integer, db.ForeignKey("skus.id"), nullable=False)
    term_duration = db.Column(db.String(3), nullable=False)
    billing_cycle = db.Column(db.String(10), nullable=False)
    market = db.Column(db.String(2), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    tier_min = db.Column(db.Integer, nullable=False, default=1)
    tier_max = db.Column(db.Integer)
    unit_price = db.Column(Money(), nullable=False)  # the provider's cost
    erp_price = db.Column(Money(), nullable=False)  # Microsoft's estimated retail
    retail_price = db.Column(Money())  # the provider's own price, when set
    # Microsoft's EffectiveStartDate and EffectiveEndDate (UTC days, both included).
    effective_start = db.Column(db.Date)
    effective_end = db.Column(db.Date)
    # C3, each source's own word: the latest price list sells the row (neither tagged
    # EndOfSale nor left out), and the Partner Center sync stopped it (its SKU was last
    # found not purchasable in this market, SkuMarketStop). Each lifts only its own.
    list_sells = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    sync_stopped = db.Column(db.Boolean, nullable=False, default=False,
                             server_default=db.false())
    # What sells, as every reader filters: the list sells it and the sync has not stopped it.
    listed = db.Column(db.Boolean, nullable=False, default=True)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    sku = db.relationship("Sku", back_populates="prices")

    @property
    def sell_price(self):
        """What direct customers pay: the provider's price, else Microsoft's ERP."""
        return self.retail_price if self.retail_price is not None else self.erp_price


class SkuMarketStop(db.Model):
    """C3: the Partner Center sync last found this SKU not purchasable in this market
    (catalog/sync.py), kept even before a price row of it exists there, so a row a price
    list adds later is born stopped (catalog/importer.py)."""

    __tablename__ = "sku_market_stops"

    sku_id = db.Column(db.Integer, db.ForeignKey("skus.id"), primary_key=True)
    market = db.Column(db.String(2), primary_key=True)


class CatalogSettings(db.Model):
    """The provider's switches; one row. C1 needs both annual switches on."""

    __tablename__ = "catalog_settings"

    id = db.Column(db.Integer, primary_key=True)
    annual_billing_cycle_enabled = db.Column(db.Boolean, nullable=False, default=False)
    annual_provisioning_enabled = db.Column(db.Boolean, nullable=False, default=False)
    default_market = db.Column(db.String(2), nullable=False, default="US")
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    @property
    def annual_sellable(self) -> bool:
        return self.annual_billing_cycle_enabled and self.annual_provisioning_enabled

    @classmethod
    def current(cls) -> CatalogSettings:
        """The settings row, created with safe defaults (annual off) on first use."""
        row = db.session.get(cls, 1)
        if row is None:
            row = cls(id=1)
            db.session.add(row)
            db.session.flush()
        return row


class ResellerMarkup(db.Model):
    """A reseller's price: cost plus a markup, for one product or (product None) for all."""

    __tablename__ = "reseller_markups"
    __table_args__ = (db.UniqueConstraint("reseller_id", "product_id"),)

    id = db.Column(db.Integer, primary_key=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"))
    markup_percent = db.Column(Money(), nullable=False)

    reseller = db.relationship("Reseller")
    product = db.relationship("Product")


class CatalogVersion(db.Model):
    """A counter every catalog write raises in its own transaction (catalog/version.py), so
    each worker can tell from one row whether a page it rendered earlier is still true."""

    __tablename__ = "catalog_version"

    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.Integer, nullable=False, default=0)


class CatalogChange(db.Model):
    """What one catalog version changed (catalog/changes.py): a product whose prices it
    changed (one row each), everything, or (neither) nothing a product's offer shows."""

    __tablename__ = "catalog_changes"

    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.Integer, nullable=False, index=True)
    product_id = db.Column(db.Integer)  # no foreign key: a deleted product's change stays
    everything = db.Column(db.Boolean, nullable=False, default=False)


class CountryListEntry(db.Model):
    """Admin-editable country lists: K3 tax-ID countries and K10 reservation markets."""

    __tablename__ = "country_list_entries"
    __table_args__ = (db.UniqueConstraint("list_name", "code"),)

    id = db.Column(db.Integer, primary_key=True)
    list_name = db.Column(db.String(10), nullable=False)  # "k3" or "k10"
    code = db.Column(db.String(2), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    required_from = db.Column(db.Date)  # K3 only
    validator = db.Column(db.String(40), nullable=False, default="")  # K3 only


class CatalogJob(db.Model):
    """A price-list upload or a Partner Center sync started from the admin's pages, run by
    a worker (catalog/jobs.py): its status, progress and line-numbered error report."""

    __tablename__ = "catalog_jobs"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # "import" or "sync"
    status = db.Column(db.String(10), nullable=False, default="queued", index=True)
    phase = db.Column(db.String(120), nullable=False, default="waiting for a worker")
    percent = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer, nullable=False, default=0)
    processed = db.Column(db.Integer, nullable=False, default=0)
    filename = db.Column(db.String(255), nullable=False, default="")
    market = db.Column(db.String(2), nullable=False, default="")
    # The uploaded file until it is imported (workers may run on another machine).
    content = db.Column(db.Text, nullable=False, default="")
    summary = db.Column(db.Text, nullable=False, default="")
    # JSON list of [line, column, message, fix]; error_count counts them all.
    errors = db.Column(db.Text, nullable=False, default="[]")
    error_count = db.Column(db.Integer, nullable=False, default=0)
    failure = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime(timezone=True))
    finished_at = db.Column(db.DateTime(timezone=True))

    @property
    def final(self) -> bool:
        return self.status in ("done", "failed")
