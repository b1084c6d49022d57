"""Account records: users and their roles, lite resellers, end customers with their
segment qualifications, and the API tokens that act for a user. Who may see which of them
is asked in accounts.scoping."""

from __future__ import annotations

import enum

from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from persistence import db, utcnow

# K9: what refuses an order, or licences added, while the provider has deactivated the
# buyer: the provisioning worker and a subscription's count say these; checkout's pure rule
# (which may import no accounts) spells the same codes, and a test keeps them equal.
CUSTOMER_INACTIVE = "K9.customer_inactive"
RESELLER_INACTIVE = "K9.reseller_inactive"

# A segment qualification that lets its customer buy the segment's plans (K7).
APPROVED = "approved"


class Role(enum.StrEnum):
    PROVIDER_ADMIN = "provider_admin"
    RESELLER_USER = "reseller_user"
    CUSTOMER_USER = "customer_user"


class CompanyRole(enum.StrEnum):
    """What a reseller's or customer's user may do inside its own company (accounts/team.py):
    an admin also invites, deactivates and sets the roles of its colleagues; a user orders;
    billing sees only invoices. The admin-agent permission (S4, S7) is separate."""

    ADMIN = "admin"
    USER = "user"
    BILLING = "billing"


class MpaStatus(enum.StrEnum):
    """Whether the reseller's acceptance of the Microsoft Partner Agreement is verified (K9)."""

    UNKNOWN = "unknown"
    VERIFIED = "verified"
    NOT_ACCEPTED = "not_accepted"
    INVALID_MPN = "invalid_mpn"  # Partner Center does not know the MPN ID


class Segment(enum.StrEnum):
    COMMERCIAL = "commercial"
    EDUCATION = "education"
    GOVERNMENT = "government"
    NONPROFIT = "nonprofit"


SPECIALIZED_SEGMENTS = (Segment.EDUCATION, Segment.GOVERNMENT, Segment.NONPROFIT)
# Partner Center's qualification names (lower-cased) → our segments (K7).
PARTNER_CENTER_QUALIFICATIONS = {
    "education": Segment.EDUCATION, "governmentcommunitycloud": Segment.GOVERNMENT,
    "stateownedentity": Segment.GOVERNMENT, "nonprofit": Segment.NONPROFIT}


def password_hash_method() -> str:
    """How passwords are hashed: werkzeug's scrypt, unless the config lowers the work factor
    (tests do). Sign-in hashes unknown emails the same way so their answer takes as long."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True, index=True)
    name = db.Column(db.String(120), nullable=False, default="")
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # S4/S7: cancelling subscriptions and revealing product keys need this permission.
    admin_agent = db.Column(db.Boolean, nullable=False, default=False)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime(timezone=True))
    # The IANA zone the user reads times in (Europe/Warsaw); None: the storefront's
    # STOREFRONT_TIME_ZONE, so changing that setting moves everyone who chose none.
    time_zone = db.Column(db.String(64))
    # Inside its reseller or customer (CompanyRole); provider admins hold none.
    company_role = db.Column(db.String(20), nullable=False, default=CompanyRole.USER)
    # The language of its pages and emails (a code of LANGUAGES); None: the storefront's.
    language = db.Column(db.String(5))
    # Two-factor sign-in (accounts/mfa.py): the TOTP secret, encrypted at rest; when it was
    # enrolled; the last time step a code was accepted for, so a code works only once.
    totp_secret = db.Column(db.Text)
    mfa_enabled_at = db.Column(db.DateTime(timezone=True))
    totp_last_step = db.Column(db.Integer, nullable=False, default=0)

    reseller = db.relationship("Reseller", back_populates="users")
    customer = db.relationship("Customer", back_populates="users")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        """Active, and so is every company it works for or through: deactivating a reseller
        or a direct customer shuts out every one of its users (sign-in, open sessions and
        API tokens) at once, a reseller's also the users of its end customers."""
        return bool(self.active) and self.deactivated_company is None

    @property
    def deactivated_company(self) -> Reseller | Customer | None:
        """The company the provider deactivated that shuts this user out: its reseller, its
        customer, or the reseller that customer buys through (None when all are active)."""
        customer = self.customer
        for company in (self.reseller, customer, customer.reseller if customer else None):
            if company is not None and not company.active:
                return company
        return None

    @property
    def is_provider_admin(self) -> bool:
        return self.role == Role.PROVIDER_ADMIN

    @property
    def is_reseller(self) -> bool:
        return self.role == Role.RESELLER_USER

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER_USER

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def is_company_admin(self) -> bool:
        """Manages the users of its own reseller or customer."""
        return not self.is_provider_admin and self.company_role == CompanyRole.ADMIN

    @property
    def is_billing_only(self) -> bool:
        """Sees invoices and nothing else (storefront/team.py keeps it there)."""
        return not self.is_provider_admin and self.company_role == CompanyRole.BILLING

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


# An MPN ID names one reseller: it is the partner of record on its orders (K8) and matches
# adopted customers to it. "" (not known yet) may repeat. Migration 0017 creates it.
MPN_UNIQUE = "uq_resellers_mpn_id"
_MPN_GIVEN = "mpn_id != ''"


class Reseller(db.Model):
    """A lite (indirect) reseller ordering for its own end customers."""

    __tablename__ = "resellers"
    __table_args__ = (db.Index(MPN_UNIQUE, "mpn_id", unique=True,
                               sqlite_where=db.text(_MPN_GIVEN),
                               postgresql_where=db.text(_MPN_GIVEN)),)

    id = db.Column(db.Integer, primary_key=True)
    company_name = db.Column(db.String(200), nullable=False)
    mpn_id = db.Column(db.String(20), nullable=False, default="", index=True)
    # K9: its Microsoft tenant, as Partner Center lists the provider's indirect resellers;
    # customers created for it name this tenant as associatedPartnerId.
    tenant_id = db.Column(db.String(36), nullable=False, default="")
    listed = db.Column(db.Boolean)  # None: not asked yet; False: Partner Center omits it
    mpa_status = db.Column(db.String(20), nullable=False, default=MpaStatus.UNKNOWN)
    mpa_checked_at = db.Column(db.DateTime(timezone=True))
    contact_name = db.Column(db.String(120), nullable=False, default="")
    contact_email = db.Column(db.String(254), nullable=False, default="")
    contact_phone = db.Column(db.String(40), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    users = db.relationship("User", back_populates="reseller")
    customers = db.relationship("Customer", back_populates="reseller")


class Customer(db.Model):
    """An end customer: a reseller's sub-customer, or a direct customer (no reseller)."""

    __tablename__ = "customers"

    id = db.Column(db.Integer, primary_key=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    company_name = db.Column(db.String(200), nullable=False)
    contact_first_name = db.Column(db.String(50), nullable=False, default="")
    contact_last_name = db.Column(db.String(50), nullable=False, default="")
    email = db.Column(db.String(254), nullable=False, default="")
    phone = db.Column(db.String(40), nullable=False, default="")
    address_line1 = db.Column(db.String(200), nullable=False, default="")
    address_line2 = db.Column(db.String(200), nullable=False, default="")
    city = db.Column(db.String(100), nullable=False, default="")
    region = db.Column(db.String(100), nullable=False, default="")
    postal_code = db.Column(db.String(20), nullable=False, default="")
    country = db.Column(db.String(2), nullable=False)
    tax_id = db.Column(db.String(50), nullable=False, default="")
    language = db.Column(db.String(5), nullable=False, default="en")
    # A new Microsoft tenant is created at provisioning from domain_prefix; an existing
    # one is named by tenant id or domain and must authorise us as delegated admin (K4).
    tenant_mode = db.Column(db.String(10), nullable=False, default="new")
    domain_prefix = db.Column(db.String(27), nullable=False, default="")
    tenant_id = db.Column(db.String(36), nullable=False, default="", index=True)
    tenant_domain = db.Column(db.String(255), nullable=False, default="")
    # K11: shown to control the existing tenant: how, when, and for which tenant (a later
    # change of tenant id or domain needs a new proof).
    tenant_verified_by = db.Column(db.String(20), nullable=False, default="")
    tenant_verified_for = db.Column(db.String(255), nullable=False, default="")
    tenant_verified_at = db.Column(db.DateTime(timezone=True))
    # The provider deactivates a direct customer as it does a reseller: its users are shut
    # out and its orders refused (K9) until the provider reactivates it.
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow,
                           onupdate=utcnow)

    reseller = db.relationship("Reseller", back_populates="customers")
    users = db.relationship("User", back_populates="customer")
    qualifications = db.relationship(
        "CustomerQualification", back_populates="customer", cascade="all, delete-orphan"
    )

    @property
    def is_direct(self) -> bool:
        return self.reseller_id is None

    @property
    def deactivated_buyer(self) -> tuple[str, Reseller | Customer] | None:
        """K9: the code and the company the provider deactivated that stops this customer's
        orders and added licences (its reseller, or itself when direct); None when it
        stands. A reseller's customer is not deactivated on its own: its reseller buys."""
        if self.reseller is not None:
            return None if self.reseller.active else (RESELLER_INACTIVE, self.reseller)
        return None if self.active else (CUSTOMER_INACTIVE, self)

    @property
    def tenant_ref(self) -> str:
        """The existing tenant as the customer names it: its id, else its domain."""
        return (self.tenant_id or self.tenant_domain or "").strip().lower()

    @property
    def tenant_verified(self) -> bool:
        """K11: shown to control the tenant it names now (created by us, listed with its
        reseller, signed in to, or approved by the provider)."""
        # Only the exact reference the proof was made for counts: matching the free-text
        # domain too let a buyer name another tenant by id and park its proven reference
        # in the domain field.
        ref = self.tenant_ref
        return bool(ref and self.tenant_verified_by and self.tenant_verified_for == ref)

    def verify_tenant(self, how: str, now) -> None:
        """Record the proof of control for the tenant named now; the caller commits."""
        self.tenant_verified_by, self.tenant_verified_at = how, now
        self.tenant_verified_for = self.tenant_ref

    def forget_tenant_proof(self) -> None:
        """K11: the proof no longer stands (the tenant changed, or it was withdrawn); the
        caller commits."""
        self.tenant_verified_by, self.tenant_verified_for = "", ""
        self.tenant_verified_at = None

    def approved_segments(self) -> frozenset[str]:
        """Specialized-industry segments this customer may buy (K7)."""
        return frozenset(q.segment for q in self.qualifications if q.status == APPROVED)


class CustomerQualification(db.Model):
    """A segment qualification (education, government, nonprofit) and where it came from."""

    __tablename__ = "customer_qualifications"
    __table_args__ = (db.UniqueConstraint("customer_id", "segment"),)

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    segment = db.Column(db.String(20), nullable=False)
    status = db.Column(db.String(20), nullable=False, default=APPROVED)  # or in_review, denied
    source = db.Column(db.String(20), nullable=False, default="admin")  # or partner_center
    recorded_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    customer = db.relationship("Customer", back_populates="qualifications")


class ApiToken(db.Model):
    """A bearer token owned by a reseller or a direct customer, acting as the user who made it."""

    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    # sha256 of a 256-bit random secret: a fast hash is enough, the secret cannot be guessed.
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)  # shown in the list to recognise it
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    reseller_id = db.Column(db.Integer, db.ForeignKey("resellers.id"), index=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime(timezone=True))
    revoked_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class TenantSignIn(db.Model):
    """K11: one sign-in a direct customer started to prove its tenant. Kept on the server
    because Entra posts the answer back cross-site, where the session cookie does not
    travel; the state is single-use and short-lived."""

    __tablename__ = "tenant_sign_ins"

    id = db.Column(db.Integer, primary_key=True)
    state = db.Column(db.String(128), nullable=False, unique=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False,
                            index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    flow = db.Column(db.Text, nullable=False)  # msal's flow state, JSON
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    outcome = db.Column(db.String(40), nullable=False, default="")  # "verified" or a code
    username = db.Column(db.String(254), nullable=False, default="")

    customer = db.relationship("Customer")


class UserSession(db.Model):
    """One sign-in of one browser. Its cookies (Flask's session and the remember-me cookie)
    carry "<id>:<secret>" and count only while this row is live, so sign-out, "sign out
    everywhere", a password change and deactivation end them here, on the server: a copied
    cookie stops working. Only a hash of the secret is stored."""

    __tablename__ = "user_sessions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    # sha256 of a 256-bit random secret: a fast hash is enough, the secret cannot be guessed.
    secret_hash = db.Column(db.String(64), nullable=False)
    remember = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    user_agent = db.Column(db.String(200), nullable=False, default="")  # shown to its owner
    address = db.Column(db.String(45), nullable=False, default="")  # an IPv6 text is ≤ 45
    revoked_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User")
