"""Demo data: a provider admin, two lite resellers with their customers, a direct customer,
and one active Indirect OSPA enrollment (Northwind's Shanghai customer) with usage past 50%.

Idempotent: records are found by natural keys (emails, MPN ids, company names) before they
are created, so `make run` can load it on every start without duplicating anything. The
resellers' MPN ids and the existing tenant are the ones the Partner Center sandbox knows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from accounts.models import CompanyRole, Customer, MpaStatus, Reseller, Role, User
from accounts.services import new_user
from catalog import country_lists
from connectors.partner_center.sandbox import seed
from demo import catalog as demo_catalog
from demo.azure import load_azure_plan
from demo.billing import load_billing
from demo.enrollment import load_enrollment
from demo.reconciliation import load_into_sandbox
from demo.software import load_software, record_keys
from persistence import db

SIGN_INS = [
    ("admin@provider.example", "demo-admin-pass", "Provider admin"),
    ("anna@northwind.example", "demo-reseller-pass", "Reseller Northwind (admin agent)"),
    ("tom@fabrikam.example", "demo-reseller-pass", "Reseller Fabrikam"),
    ("it@adatum.example", "demo-customer-pass", "Direct customer Adatum"),
]

RESELLERS = [
    # Listed by the sandbox as our indirect resellers, under these tenants (K9).
    {"company_name": "Northwind Traders", "mpn_id": seed.RESELLER_MPN_ID,
     "mpa_status": MpaStatus.VERIFIED, "tenant_id": seed.RESELLER_TENANT_ID, "listed": True,
     "contact_name": "Anna Kowalska", "contact_email": "anna@northwind.example",
     "contact_phone": "+48 22 100 20 30"},
    {"company_name": "Fabrikam IT Services", "mpn_id": seed.RESELLER_MPN_ID_2,
     "mpa_status": MpaStatus.VERIFIED, "tenant_id": seed.RESELLER_TENANT_ID_2, "listed": True,
     "contact_name": "Tom Weber",
     "contact_email": "tom@fabrikam.example", "contact_phone": "+49 30 1234 5678"},
]

CUSTOMERS = {
    "Northwind Traders": [
        {"company_name": "Wingtip Toys Sp. z o.o.", "contact_first_name": "Marta",
         "contact_last_name": "Nowak", "email": "marta@wingtiptoys.example",
         "phone": "+48 22 555 01 02", "address_line1": "ul. Marszałkowska 10",
         "city": "Warszawa", "postal_code": "00-026", "country": "PL",
         "tax_id": "8567346215", "domain_prefix": "wingtiptoyspl"},
        {"company_name": "Litware Inc.", "contact_first_name": "Sam", "contact_last_name": "Lee",
         "email": "sam@litware.example", "phone": "+1 425 555 0100",
         "address_line1": "1 Microsoft Way", "city": "Redmond", "region": "WA",
         "postal_code": "98052", "country": "US", "domain_prefix": "litwareinc"},
        {"company_name": "Shanghai Yunshan Technology Co., Ltd. (上海云杉科技有限公司)",
         "contact_first_name": "Jing",
         "contact_last_name": "Chen", "email": "chen.jing@yunshan.example",
         "phone": "+86 21 5555 0100", "address_line1": "世纪大道100号 (100 Century Avenue)",
         "city": "Shanghai", "postal_code": "200120", "country": "CN",
         "tax_id": "91310115593064730W", "domain_prefix": "yunshantech"},
    ],
    "Fabrikam IT Services": [
        # An existing tenant Fabrikam has not shown to control yet (K11): its tenant page
        # sends the invitation, and in the sandbox a button accepts it; then delegated
        # admin (GDAP) is requested and approved the same way.
        {"company_name": "Contoso Pharma GmbH", "contact_first_name": "Jonas",
         "contact_last_name": "Becker", "email": "jonas@contosopharma.example",
         "phone": "+49 30 555 1000", "address_line1": "Unter den Linden 5", "city": "Berlin",
         "postal_code": "10117", "country": "DE", "tenant_mode": "existing",
         "tenant_id": seed.TENANT_WITH_DAP_ID, "tenant_domain": seed.TENANT_WITH_DAP_DOMAIN},
        {"company_name": "Tailspin Charity e.V.", "contact_first_name": "Lea",
         "contact_last_name": "Schmidt", "email": "lea@tailspin.example",
         "phone": "+49 89 555 2000", "address_line1": "Marienplatz 1", "city": "München",
         "postal_code": "80331", "country": "DE", "domain_prefix": "tailspincharity"},
    ],
}

DIRECT = {"company_name": "Adatum Corporation", "contact_first_name": "Ivy",
          "contact_last_name": "Chen", "email": "it@adatum.example", "phone": "+44 20 7946 0000",
          "address_line1": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA",
          "country": "GB", "domain_prefix": "adatumcorp"}


def _get_or_add(model, lookup: dict, values: dict) -> tuple[object, bool]:
    found = db.session.scalars(select(model).filter_by(**lookup)).first()
    if found is not None:
        return found, False
    obj = model(**lookup, **values)
    db.session.add(obj)
    return obj, True


def _user(email: str, password: str, role: Role, **extra) -> bool:
    if db.session.scalars(select(User).where(User.email == email)).first():
        return False
    db.session.add(new_user(email, password, role, **extra))
    return True


def load() -> int:
    """Create whatever of the demo data is missing; returns how many records were added."""
    created = int(_user(SIGN_INS[0][0], SIGN_INS[0][1], Role.PROVIDER_ADMIN,
                        name="Provider Admin", admin_agent=True))
    for spec, (email, password, _), agent in zip(RESELLERS, SIGN_INS[1:3], (True, False),
                                                 strict=True):
        values = {k: v for k, v in spec.items() if k != "company_name"}
        reseller, new = _get_or_add(Reseller, {"company_name": spec["company_name"]}, values)
        created += new
        # Each reseller's demo user is its company's admin (its users page, #21).
        created += _user(email, password, Role.RESELLER_USER, name=spec["contact_name"],
                         reseller=reseller, admin_agent=agent,
                         company_role=CompanyRole.ADMIN)
        for customer in CUSTOMERS[reseller.company_name]:
            values = {k: v for k, v in customer.items() if k != "company_name"}
            created += _get_or_add(Customer, {"company_name": customer["company_name"],
                                              "reseller": reseller}, values)[1]
    direct, new = _get_or_add(Customer, {"company_name": DIRECT["company_name"]},
                              {k: v for k, v in DIRECT.items() if k != "company_name"})
    created += new
    created += _user(SIGN_INS[3][0], SIGN_INS[3][1], Role.CUSTOMER_USER, name="Ivy Chen",
                     customer=direct, admin_agent=True, company_role=CompanyRole.ADMIN)
    db.session.commit()
    country_lists.ensure_seeded()
    # S7: Wingtip's Windows Server licence (its key is recorded below), billed with the rest.
    created += demo_catalog.load(db) + load_software(_wingtip(), _anna(), date.today())
    created += _load_enrollment() + _load_billing() + _load_azure()
    # Last: the sandbox's Microsoft learns whatever the demo bought, plus one mismatch (B6);
    # then the admin records the Windows Server key that sandbox shows (demo/software.py).
    return created + load_into_sandbox() + record_keys()


def _anna() -> User:
    """Northwind's demo user, who placed its demo orders."""
    return db.session.scalars(select(User).where(User.email == SIGN_INS[1][0])).one()


def _wingtip() -> Customer:
    """Northwind's first customer, who holds the demo's purchases."""
    return db.session.scalars(select(Customer).where(
        Customer.company_name == CUSTOMERS["Northwind Traders"][0]["company_name"])).one()


def _load_enrollment() -> int:
    """The OSPA enrollment of the Shanghai customer (its services commit as they go)."""
    customer = db.session.scalars(select(Customer).where(Customer.country == "CN")).one()
    admin = db.session.scalars(select(User).where(User.email == SIGN_INS[0][0])).one()
    return load_enrollment(customer, admin, date.today())


def _load_azure() -> int:
    """Wingtip's Azure plan and its Azure subscription (K12), after its billing."""
    customer = db.session.scalars(select(Customer).where(
        Customer.company_name == CUSTOMERS["Northwind Traders"][0]["company_name"])).one()
    return load_azure_plan(customer, date.today())


def _load_billing() -> int:
    """Northwind's demo order and its invoice (billing runs commit as they go)."""
    customer = db.session.scalars(select(Customer).where(
        Customer.company_name == CUSTOMERS["Northwind Traders"][0]["company_name"])).one()
    user = db.session.scalars(select(User).where(User.email == SIGN_INS[1][0])).one()
    return load_billing(customer, user, date.today())
