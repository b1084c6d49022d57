"""Shared fixtures: an app on a throwaway SQLite file, a small world of accounts, sign-in."""

from __future__ import annotations

import contextvars
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import event

from accounts.models import Customer, MpaStatus, Reseller, Role
from accounts.services import new_user
from catalog.models import Price, Product, Sku
from config.settings import TestingConfig
from connectors.graph.app_client import KEY as GRAPH_KEY
from connectors.graph.app_client import SIGN_IN_KEY
from connectors.partner_center.app_client import KEY
from connectors.partner_center.sandbox import seed
from notifications import readable_body
from notifications.models import OutboxEmail
from orders.models import Order, OrderLine
from persistence import db
from storefront import create_app
from tests.provisioning.databases import BACKENDS, app_on
from tests.ux.emails import relative_links

# pc_sandbox, pc_client, pc_responses, pc_sleeps: the real client routed to the sandbox.
# tests.quick_apps: the suite's own speed-ups (URL builders and statements compiled once).
pytest_plugins = ["connectors.partner_center.sandbox.fixtures", "tests.quick_apps"]

# Property tests check what is computed, never how fast: on a loaded 2-core machine a case
# may take longer than Hypothesis' 200 ms deadline or its data-generation health check
# allows, which failed runs that were right (speed targets live in bench/).
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'type="hidden" name="csrf_token" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


def on_database(url: str) -> type[TestingConfig]:
    """Testing settings on this database (engines are built when the app is, so before)."""
    return type("TestingOnDatabase", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})


@pytest.fixture(autouse=True)
def emails_link_absolutely():
    """Every email any test's flow writes to the outbox links only absolutely (an email has
    no page to be relative to): each row is read as it is inserted, whatever app wrote it,
    and the test that wrote a relative link fails (tests/ux/test_email_links.py)."""
    found: list[tuple[str, list[str]]] = []

    def scan(_mapper, _connection, email: OutboxEmail) -> None:
        if relative_links(email.body):
            found.append((email.subject, relative_links(email.body)))

    event.listen(OutboxEmail, "before_insert", scan)
    yield
    event.remove(OutboxEmail, "before_insert", scan)
    assert not found, f"emails with relative links (subject, links): {found}"


@pytest.fixture(scope="session")
def empty_schema(tmp_path_factory) -> Path:
    """A SQLite file holding the whole schema, made once per run: each test's database is a
    copy of it, which is ten times quicker than creating ~90 tables, indexes and triggers."""
    path = tmp_path_factory.mktemp("schema") / "empty.sqlite"
    app = create_app(on_database(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def app_on_each_backend(request, tmp_path, pc_client, graph_client, sign_in_proof):
    """The app on SQLite and on PostgreSQL (skipped without the services), its Partner
    Center and Graph the sandbox; a test module takes it as its `app`."""
    with app_on(request.param, tmp_path) as app:
        app.extensions[KEY] = pc_client
        app.extensions[GRAPH_KEY] = graph_client
        app.extensions[SIGN_IN_KEY] = sign_in_proof
        yield app


@pytest.fixture
def app(tmp_path, empty_schema, pc_client, graph_client, sign_in_proof):
    """The app on a fresh SQLite file; its Partner Center and Graph are the sandbox (never
    the network)."""
    database = tmp_path / "test.sqlite"
    shutil.copyfile(empty_schema, database)
    app = create_app(on_database(f"sqlite:///{database}"))
    app.extensions[KEY] = pc_client
    app.extensions[GRAPH_KEY] = graph_client
    app.extensions[SIGN_IN_KEY] = sign_in_proof
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class World:
    admin: object
    reseller_a: Reseller
    reseller_b: Reseller
    reseller_a_user: object
    reseller_b_user: object
    customer_a: Customer
    customer_b: Customer
    direct: Customer
    direct_user: object
    price: object
    order_a: object = None
    order_b: object = None


def make_customer(reseller: Reseller | None, name: str, **extra) -> Customer:
    """A customer in the US (the market of make_price's rows: C7), or at a valid address
    in the country asked for."""
    country = extra.get("country", "US")
    values = {"company_name": name, "contact_first_name": "Ada", "contact_last_name": "Lovelace",
              "email": "ada@example.com", "address_line1": "1 Main St",
              **ADDRESSES.get(country, ADDRESSES["DE"]), "country": country,
              "domain_prefix": name.lower().replace(" ", "")}
    values.update(extra)
    return Customer(reseller=reseller, **values)


# A valid address in each market the tests price in (Partner Center checks a customer's
# postal code and region against its country).
ADDRESSES = {
    "US": {"city": "Redmond", "region": "WA", "postal_code": "98052"},
    "DE": {"city": "Berlin", "region": "", "postal_code": "10117"},
    "GB": {"city": "London", "region": "", "postal_code": "SW1A 1AA"},
    "PL": {"city": "Warszawa", "region": "", "postal_code": "00-026"},
    "AU": {"city": "Sydney", "region": "NSW", "postal_code": "2000"},
    "BR": {"city": "São Paulo", "region": "SP", "postal_code": "01310-100"},
    "JP": {"city": "Chiyoda-ku", "region": "東京都", "postal_code": "100-0001"},
    "KW": {"city": "Kuwait City", "region": "", "postal_code": "13001"},
}


def move_to(customer: Customer, market: str) -> Customer:
    """The customer, moved to the market's country at a valid address there (C7: a customer
    buys only at its own market's prices); the caller commits."""
    customer.country = market
    for name, value in ADDRESSES.get(market, {}).items():
        setattr(customer, name, value)
    return customer


def make_price(title="Microsoft 365 Business Standard", product_id="CFQ7TTC0LDPB",
               family="office365_business", market="US", currency="USD", cost="10.00",
               erp="12.50", term="P1M", cycle="monthly", **product_flags) -> Price:
    """A product with one SKU and one price (a catalog row as an import would create it)."""
    product = Product(pc_product_id=product_id, title=title, family=family, **product_flags)
    sku = Sku(product=product, pc_sku_id="0001", title=title, availability_id="CFQ7TTC0AAAA")
    price = Price(sku=sku, term_duration=term, billing_cycle=cycle, market=market,
                  currency=currency, unit_price=Decimal(cost), erp_price=Decimal(erp))
    db.session.add_all([product, sku, price])
    return price


@pytest.fixture
def world(app) -> World:
    """Two resellers with one customer each, a direct customer, and a user for each role."""
    return build_world()


def build_world() -> World:
    """The world fixture's accounts, orders and price, committed to the app's database."""
    # MPN ids the Partner Center sandbox knows, with a signed MPA, listed as our indirect
    # resellers under these tenants (K9).
    ra = Reseller(company_name="Reseller A", mpn_id=seed.RESELLER_MPN_ID,
                  mpa_status=MpaStatus.VERIFIED, tenant_id=seed.RESELLER_TENANT_ID, listed=True)
    rb = Reseller(company_name="Reseller B", mpn_id=seed.RESELLER_MPN_ID_2,
                  mpa_status=MpaStatus.VERIFIED, tenant_id=seed.RESELLER_TENANT_ID_2,
                  listed=True)
    ca, cb = make_customer(ra, "Alpha GmbH"), make_customer(rb, "Beta GmbH")
    # In the market of the world's price (C7: a customer buys only at its own market's).
    direct = make_customer(None, "Direct Ltd", city="Seattle", postal_code="98101")
    w = World(
        admin=new_user("admin@test.example", PASSWORD, Role.PROVIDER_ADMIN, name="Admin"),
        reseller_a=ra, reseller_b=rb,
        reseller_a_user=new_user("a@test.example", PASSWORD, Role.RESELLER_USER, reseller=ra),
        reseller_b_user=new_user("b@test.example", PASSWORD, Role.RESELLER_USER, reseller=rb),
        customer_a=ca, customer_b=cb, direct=direct,
        direct_user=new_user("d@test.example", PASSWORD, Role.CUSTOMER_USER, customer=direct),
        price=make_price(),
    )
    db.session.add_all(v for v in vars(w).values() if v is not None)
    db.session.flush()
    w.order_a = make_order(ca, w.reseller_a_user, w.price)
    w.order_b = make_order(cb, w.reseller_b_user, w.price)
    db.session.commit()
    return w


def make_order(customer: Customer, user, price: Price, quantity: int = 1) -> Order:
    """A submitted order of one line, as the checkout service stores it."""
    product = price.sku.product
    order = Order(idempotency_key=f"test:{customer.id}:{user.id}:{price.id}:{quantity}",
                  customer=customer, reseller_id=customer.reseller_id, placed_by=user,
                  currency=price.currency, total=price.sell_price * quantity,
                  lines=[OrderLine(line_number=0, product_id=product.id, price=price,
                                   pc_product_id=product.pc_product_id,
                                   pc_sku_id=price.sku.pc_sku_id, title=product.title,
                                   family=product.family, billing_cycle=price.billing_cycle,
                                   term_duration=price.term_duration, quantity=quantity,
                                   unit_price=price.sell_price, currency=price.currency)])
    db.session.add(order)
    db.session.flush()
    order.record("submitted", "Order placed.")
    return order


class Browser(FlaskClient):
    """A test client whose every request runs in an app context of its own, as on a server:
    the fixture's shared context would keep flask.g (the signed-in user, the CSRF token)
    from one request to the next, and from one client to another."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def browser(app):
    """Make browsers (each with its own cookies) for tests where several users or devices
    take turns, or where a cookie is copied to another client."""
    return lambda: Browser(app, app.response_class, use_cookies=True)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return next(g for g in match.groups() if g)


def csrf_token(client, url: str = "/login") -> str:
    return csrf_from(client.get(url, follow_redirects=True).get_data(as_text=True))


def login(client, user_or_email, password: str = PASSWORD, **extra):
    email = getattr(user_or_email, "email", user_or_email)
    token = csrf_token(client)
    data = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data, query_string=extra.pop("query", None))


def served(client, url: str, **kwargs):
    """GET `url` as a server answers it: in a context of its own, outside the app context the
    `app` fixture holds open, with its (streamed) body read there too. Under the fixture's
    context a view's database session outlives its response, as it never does on a server,
    so a download reading the view's objects while it is sent passed here and failed under
    waitress and gunicorn."""
    def get():
        response = client.get(url, **kwargs)
        response.get_data()  # the whole body, as the server sends it
        return response
    return contextvars.Context().run(get)


def post_form(client, url: str, data: dict, *, token_url: str | None = None):
    """POST a form the way a browser does: with the CSRF token from the page."""
    token = csrf_token(client, token_url or url)
    return client.post(url, data={**data, "csrf_token": token})


CONFIRM_LINK_RE = re.compile(r"https?://[^/\s]+(/signup/confirm\?token=[\w-]+)")


def mailed_text(email: str) -> str:
    """The newest email to this address as the mail server is handed it (its links opened:
    the outbox row holds them sealed)."""
    sent = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == email)
                              .order_by(OutboxEmail.id.desc())).first()
    return readable_body(sent) if sent else ""


def confirm_link(email: str) -> str:
    """The path of the newest sign-up link emailed to this address."""
    match = CONFIRM_LINK_RE.search(mailed_text(email))
    assert match, f"no sign-up link was emailed to {email}"
    return match[1]


def sign_up(client, data: dict):
    """Sign up as a browser does: the form, then the emailed link with the password."""
    response = post_form(client, "/signup", data)
    if response.status_code != 302:
        return response
    link = confirm_link(data["user_email"])
    return post_form(client, link, {"password": data["password"]})
