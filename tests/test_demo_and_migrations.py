"""Demo data loads idempotently; migrations build exactly the schema the models describe."""

import warnings
from datetime import UTC, datetime

import pytest
import time_machine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select

from accounts.models import Customer, Reseller, User
from billing.models import BillingRun
from commitments.records.models import Enrollment
from demo import load as demo
from orders.models import Order
from persistence import as_utc, db
from subscriptions.models import Subscription
from tests.conftest import csrf_token, login, on_database
from tests.provisioning.databases import BACKENDS, database


def counts():
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Reseller,
                                                                            Customer)]


def test_demo_load_creates_the_documented_accounts_once(app):
    assert demo.load() > 0
    first = counts()
    assert demo.load() == 0
    assert counts() == first == [4, 2, 6]
    polish = db.session.scalar(select(Customer).where(Customer.country == "PL"))
    assert polish.tax_id and polish.reseller is not None


def test_demo_load_again_adds_no_billing_run_for_a_month_already_billed(app):
    # `make run` loads the demo at every start: each added a run of nothing per month.
    demo.load()
    runs = db.session.scalars(select(BillingRun.month).order_by(BillingRun.id)).all()
    assert runs and len(set(runs)) == len(runs)
    demo.load()
    assert db.session.scalar(select(func.count()).select_from(BillingRun)) == len(runs)


def test_demo_loaded_before_nine_shows_no_purchase_in_the_future(app):
    """The demo's purchases were made at 09:00 UTC of their day: loaded at night, the
    orders showed a placement hours ahead and a history entry before it."""
    early = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    with time_machine.travel(early, tick=False):
        demo.load()
    for order in db.session.scalars(select(Order)):
        assert as_utc(order.created_at) <= early, order.number
        assert all(as_utc(event.at) >= as_utc(order.created_at) for event in order.events)
    assert all(as_utc(sub.purchased_at) <= early
               for sub in db.session.scalars(select(Subscription)))


def test_demo_has_an_active_enrollment_past_half_its_commitment_with_the_50_percent_notice(app):
    demo.load()
    demo.load()
    enrollment = db.session.scalars(select(Enrollment)).one()
    assert enrollment.status == "active" and enrollment.number.startswith("V570")
    assert enrollment.orders[0].amount_excl_tax >= 50000
    # The letters of #24 on signing, then the 50% notice; the commitment is paid (no dunning);
    # the partner's scheduled price rise was announced (O6 price protection).
    assert [n.kind for n in enrollment.notices] == [
        "order_confirmation", "welcome_letter", "usage_threshold", "price_change"]
    assert enrollment.notices[2].key.endswith(":50")
    assert all(i.paid_on for i in enrollment.invoices)


def test_demo_sign_ins_work(client, app):
    demo.load()
    for email, password, _ in demo.SIGN_INS:
        assert login(client, email, password).status_code == 302, email
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_the_models(backend, tmp_path):
    from storefront import create_app

    with database(backend, tmp_path) as url:
        app = create_app(on_database(url))
        with app.app_context(), warnings.catch_warnings():
            upgrade()
            # SQLite cannot reflect an expression index (O7's on lower(subscription_id)), so
            # it is compared on PostgreSQL only: both libraries say so by a warning.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expr")
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            db.session.remove()
            db.engine.dispose()
    assert diff == []


def test_demo_catalog_is_the_sandbox_catalog_with_prices(client, app):
    from catalog.models import CatalogSettings, Product

    demo.load()
    products = {p.pc_product_id: p for p in db.session.scalars(select(Product))}
    assert len(products) == 12
    assert products["DZH318Z0BPS6"].family == "azure_plan"  # K12: the Azure plan is for sale
    assert products["CFQ7TTC0LF8Q"].end_of_sale and not products["CFQ7TTC0LF8Q"].discontinued
    assert products["CFQ7TTC0LGNM"].family == "dynamics"
    assert products["CFQ7TTC0LDPB"].skus[0].catalog_item_id == "CFQ7TTC0LDPB:0001:CFQ7TTC0K5DJ"
    assert CatalogSettings.current().annual_sellable
    assert login(client, "it@adatum.example", "demo-customer-pass").status_code == 302
    body = client.get("/shop?q=business standard").get_data(as_text=True)
    assert "£11.85" in body and "excl. tax" in body  # the GB direct customer sees GBP
