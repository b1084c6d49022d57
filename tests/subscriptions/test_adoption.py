"""Adopting a provider's existing Partner Center customer base: the import (against the
sandbox through the real client), its re-runs, its matching rules, and later syncs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from accounts.models import Customer, CustomerQualification, Reseller
from connectors.partner_center.errors import PartnerCenterError
from connectors.partner_center.sandbox import Fault, bulk, seed
from connectors.partner_center.sandbox.__main__ import build
from demo import catalog as demo_catalog
from demo import load as demo
from persistence import as_utc, db
from subscriptions import import_runs
from subscriptions.adoption import import_customers
from subscriptions.models import PartnerCenterImport, Subscription
from subscriptions.quotes import cancellation_quote
from subscriptions.sync import sync_all
from subscriptions.tasks import import_partner_center_task
from tests.api.factories import make_subscription
from tests.conftest import csrf_token, login, post_form

# Lines of the sandbox's seeded pre-October-2021 software orders, which only Get Orders
# returns (sandbox/legacy_orders.py): the import adopts them as well.
ORDERS_ONLY = 2

ALPHA_TENANT = "7a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a01"
DIRECT_TENANT = "7a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a02"
STRANGER_TENANT = "7a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a03"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def plan(sandbox, product: str, term: str = "P1M", cycle: str = "monthly") -> bulk.Plan:
    """The sandbox's plan of a product and term."""
    return next(p for p in bulk.plans(sandbox) if p.catalog_item_id.startswith(product + ":")
                and (p.term, p.cycle) == (term, cycle))


def buy_in_partner_center(sandbox, tenant_id: str, product: str = "CFQ7TTC0LDPB",
                          quantity: int = 5, mpn: str = seed.RESELLER_MPN_ID) -> str:
    """A subscription bought outside the storefront; answers its id."""
    record = bulk.add_subscription(sandbox, tenant_id, plan(sandbox, product), quantity, mpn,
                                   sandbox.now() - timedelta(days=3))
    return record["wire"]["id"]


@pytest.fixture
def catalog(app):
    """The demo catalog: the sandbox's own products, as `make run` has them."""
    demo_catalog.load(db)


@pytest.fixture
def resellers(app) -> dict[str, Reseller]:
    """Local resellers for the two sandbox resellers the bulk base buys through."""
    made = {mpn: Reseller(company_name=name, mpn_id=mpn) for mpn, name in (
        (seed.RESELLER_MPN_ID, "Adatum IT Services"),
        (seed.RESELLER_MPN_ID_2, "Litware Cloud Partners"))}
    db.session.add_all(made.values())
    db.session.commit()
    return made


# Lookups are made per page, never per row: the page's tenants, their customers and their
# qualifications, its known subscriptions and their keys; resellers and products once a run.
READS_PER_PAGE, READS_PER_RUN = 5, 2


def reads(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


@pytest.fixture
def statements(app):
    """Every SQL statement run while the test runs (to show none is issued per row)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_the_import_brings_every_one_of_2500_customers_and_6000_subscriptions(
        pc_client, pc_sandbox, resellers, catalog, statements):
    bulk.add_bulk(pc_sandbox, customers=2500, subscriptions=6000, seed=1)
    summary = import_customers(pc_client)
    remote_customers = len(pc_sandbox.data["customers"])  # the bulk base and the seeded two
    assert summary.customers_read == remote_customers >= 2500
    assert count(Customer, Customer.tenant_id != "") == remote_customers
    # plus the seeded tenant's two pre-October-2021 software lines only Get Orders returns
    assert count(Subscription) == len(pc_sandbox.data["subscriptions"]) + ORDERS_ONLY == 6002
    assert summary.customers.created == remote_customers and summary.customers.unmatched == 0
    assert summary.subscriptions.created == 6002 and not summary.reasons.counts
    assert count(CustomerQualification, CustomerQualification.source == "partner_center") == 125
    assert reads(statements) <= READS_PER_RUN + summary.pages * READS_PER_PAGE
    # No wall-clock bound here (a loaded CI machine would fail it): the statement bound above
    # catches a per-row query, and bench/import_customers.py measures the time.


def test_a_second_import_creates_nothing_and_finds_everything_current(
        pc_client, pc_sandbox, resellers, catalog, statements):
    bulk.add_bulk(pc_sandbox, customers=120, subscriptions=300, seed=2)
    first = import_customers(pc_client, page_size=50)
    statements.clear()
    again = import_customers(pc_client, page_size=50)
    assert reads(statements) <= READS_PER_RUN + again.pages * READS_PER_PAGE
    assert again.customers.created == again.subscriptions.created == 0
    assert again.customers.skipped == first.customers.created
    # the seeded tenant's pre-October-2021 software (Get Orders only) is found again too
    assert again.subscriptions.skipped == first.subscriptions.created == 300 + ORDERS_ONLY
    assert count(Subscription) == 300 + ORDERS_ONLY


def test_a_crash_mid_import_and_a_re_run_leave_no_duplicates_and_complete(
        pc_client, pc_sandbox, resellers, catalog):
    bulk.add_bulk(pc_sandbox, customers=200, subscriptions=500, seed=3)

    def partner_center_breaks_after_two_pages(summary):
        if summary.pages == 2:
            pc_sandbox.faults.add(Fault(endpoint="GET /v1/customers*", status=500, count=None))

    run = import_runs.start()
    with pytest.raises(PartnerCenterError):
        import_runs.execute(run.id, pc_client, page_size=50,
                            on_page=partner_center_breaks_after_two_pages)
    failed = db.session.get(PartnerCenterImport, run.id)
    assert (failed.state, failed.pages, failed.running) == ("failed", 2, None)
    assert "HTTP 500" in failed.error
    assert count(Customer, Customer.tenant_id != "") == 100  # the two committed pages

    pc_sandbox.faults.clear()
    summary = import_runs.execute(import_runs.start().id, pc_client, page_size=50)
    assert summary.customers.skipped == 100
    assert count(Customer, Customer.tenant_id != "") == len(pc_sandbox.data["customers"])
    assert count(Subscription) == len(pc_sandbox.data["subscriptions"]) + ORDERS_ONLY == 502
    tenants = db.session.scalars(select(Customer.tenant_id).where(Customer.tenant_id != ""))
    assert len(set(tenants)) == len(pc_sandbox.data["customers"])  # none twice


def test_only_one_import_runs_at_a_time(app):
    import_runs.start()
    with pytest.raises(import_runs.ImportRunning):
        import_runs.start()


def test_an_import_that_stopped_giving_news_no_longer_blocks_a_new_one(app):
    stale = import_runs.start()
    stale.updated_at = datetime.now(UTC) - import_runs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    fresh = import_runs.start()
    assert fresh.state == "running"
    assert db.session.get(PartnerCenterImport, stale.id).state == "failed"


@pytest.fixture
def alpha_in_partner_center(world, pc_sandbox) -> str:
    """Reseller A's customer Alpha, whose tenant exists in Partner Center under reseller A."""
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, ALPHA_TENANT, "alphagmbh.onmicrosoft.com", "Alpha Group",
                          reseller_tenant=seed.RESELLER_TENANT_ID)
    world.customer_a.tenant_id = ALPHA_TENANT
    world.customer_a.tenant_mode = "existing"
    db.session.commit()
    return ALPHA_TENANT


def test_an_existing_customer_and_subscription_are_updated_not_duplicated(
        world, pc_client, pc_sandbox, alpha_in_partner_center):
    remote_id = buy_in_partner_center(pc_sandbox, ALPHA_TENANT, quantity=5)
    local = make_subscription(world.customer_a, world.price, quantity=2,
                              pc_subscription_id=remote_id, tenant_id=ALPHA_TENANT)
    summary = import_customers(pc_client)
    assert count(Customer, Customer.tenant_id == ALPHA_TENANT) == 1
    assert count(Subscription, Subscription.pc_subscription_id == remote_id) == 1
    db.session.expire_all()
    assert db.session.get(Subscription, local.id).quantity == 5
    assert summary.subscriptions.updated == 1
    assert db.session.get(Customer, world.customer_a.id).company_name == "Alpha GmbH"


def test_a_customer_of_a_reseller_the_storefront_lacks_is_reported_not_made_direct(
        world, pc_client, pc_sandbox):
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, STRANGER_TENANT, "humongous.onmicrosoft.com",
                          "Humongous Insurance", reseller_tenant=seed.RESELLER_TENANT_ID_NO_MPA)
    buy_in_partner_center(pc_sandbox, STRANGER_TENANT, mpn=seed.RESELLER_MPN_ID_NO_MPA)
    summary = import_customers(pc_client)
    assert count(Customer, Customer.tenant_id == STRANGER_TENANT) == 0
    assert summary.customers.unmatched == 1
    [reason] = [r for r in summary.reasons.counts if seed.RESELLER_MPN_ID_NO_MPA in r]
    assert "is not in the storefront" in reason
    assert count(Subscription, Subscription.tenant_id == STRANGER_TENANT) == 0


def test_a_subscription_of_a_product_missing_from_the_catalog_is_reported(
        world, pc_client, pc_sandbox, alpha_in_partner_center):
    pc_sandbox.data["legacyOrders"].clear()  # only Alpha's two purchases are counted here
    buy_in_partner_center(pc_sandbox, ALPHA_TENANT, product="CFQ7TTC0LFLZ")  # E3: not local
    kept = buy_in_partner_center(pc_sandbox, ALPHA_TENANT)  # Business Standard: local
    summary = import_customers(pc_client)
    assert summary.subscriptions.unmatched == 1 and summary.subscriptions.created == 1
    assert any("product CFQ7TTC0LFLZ is not in the catalog" in r and "flask catalog sync" in r
               for r in summary.reasons.counts)
    [adopted] = db.session.scalars(select(Subscription).where(
        Subscription.tenant_id == ALPHA_TENANT)).all()
    assert adopted.pc_subscription_id == kept and adopted.customer_id == world.customer_a.id
    assert (adopted.partner_id, adopted.reseller_id) == (seed.RESELLER_MPN_ID,
                                                         world.reseller_a.id)
    assert adopted.status == "active" and adopted.term_end is not None
    assert [e.kind for e in adopted.events] == ["imported"]


def test_a_customer_without_an_indirect_reseller_is_created_as_a_direct_customer(
        world, pc_client, pc_sandbox):
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, DIRECT_TENANT, "treyresearch.onmicrosoft.com",
                          "Trey Research", city="Portland", postal_code="97201")
    remote_id = buy_in_partner_center(pc_sandbox, DIRECT_TENANT, mpn="")
    import_customers(pc_client)
    customer = db.session.scalars(select(Customer).where(
        Customer.tenant_id == DIRECT_TENANT)).one()
    assert customer.is_direct and customer.tenant_mode == "existing"
    # K11: Partner Center lists the tenant as our customer: control is shown.
    assert customer.tenant_verified and customer.tenant_verified_by == "partner_center"
    assert (customer.company_name, customer.tenant_domain) == (
        "Trey Research", "treyresearch.onmicrosoft.com")
    assert (customer.country, customer.city, customer.postal_code) == ("US", "Portland", "97201")
    sub = db.session.scalars(select(Subscription).where(
        Subscription.pc_subscription_id == remote_id)).one()
    assert sub.customer_id == customer.id and sub.reseller_id is None


def test_approved_qualifications_are_recorded_from_partner_center(
        world, pc_client, pc_sandbox, alpha_in_partner_center):
    with pc_sandbox.lock:
        bulk.approve(pc_sandbox, ALPHA_TENANT, "Education")
    pc_sandbox.set_qualification(ALPHA_TENANT, "GovernmentCommunityCloud", "Denied")
    import_customers(pc_client)
    db.session.expire_all()
    customer = db.session.get(Customer, world.customer_a.id)
    assert [(q.segment, q.source) for q in customer.qualifications] == [
        ("education", "partner_center")]
    assert customer.approved_segments() == {"education"}


def test_a_later_sync_mirrors_a_subscription_created_in_partner_center_afterwards(
        world, pc_client, pc_sandbox, alpha_in_partner_center):
    import_customers(pc_client)
    later = buy_in_partner_center(pc_sandbox, ALPHA_TENANT, quantity=3)
    report = sync_all(pc_client)
    assert report.added == 1
    sub = db.session.scalars(select(Subscription).where(
        Subscription.pc_subscription_id == later)).one()
    assert (sub.customer_id, sub.quantity, sub.status) == (world.customer_a.id, 3, "active")
    assert sync_all(pc_client).added == 0  # known from now on


def test_s3_an_adopted_subscription_renewed_in_partner_center_counts_its_term_from_the_renewal(
        world, catalog, pc_client, pc_sandbox, alpha_in_partner_center):
    """Bought on a monthly term two months ago and renewed in Partner Center since, before
    the storefront ever saw it: its running term starts at its latest renewal, so
    cancelling within 24 hours of that start refunds the whole charge cycle (S3), as
    Microsoft would, where counting from the purchase refunded only the days left."""
    bought = pc_sandbox.now() - timedelta(days=62)
    with pc_sandbox.lock:
        record = bulk.add_subscription(pc_sandbox, ALPHA_TENANT, plan(pc_sandbox, "CFQ7TTC0LDPB"),
                                       4, seed.RESELLER_MPN_ID, bought)
    assert sync_all(pc_client).added == 1  # the read rolls it over its term ends
    sub = db.session.scalars(select(Subscription).where(
        Subscription.pc_subscription_id == record["wire"]["id"])).one()
    renewed = datetime.fromisoformat(record["termStart"].replace("Z", "+00:00"))
    assert renewed > bought + timedelta(days=27)  # renewed twice
    assert abs(as_utc(sub.purchased_at) - bought) < timedelta(seconds=1)  # cycles count from it
    assert as_utc(sub.term_start) == renewed
    quote = cancellation_quote(sub, now=renewed + timedelta(hours=20))
    assert quote.credit.period_start == renewed.date()
    assert quote.credit.effective_unit_price == quote.credit.unit_price > 0  # the whole cycle
    assert quote.amount == quote.credit.unit_price * 4


def test_an_adopted_subscription_in_its_first_term_counts_it_from_its_purchase(
        world, pc_client, pc_sandbox, alpha_in_partner_center):
    remote = buy_in_partner_center(pc_sandbox, ALPHA_TENANT, quantity=3)
    sync_all(pc_client)
    sub = db.session.scalars(select(Subscription).where(
        Subscription.pc_subscription_id == remote)).one()
    assert sub.term_start is not None
    assert as_utc(sub.term_start) == as_utc(sub.purchased_at) > pc_sandbox.now() - timedelta(
        days=4)  # bought three days ago (buy_in_partner_center)


def test_flask_partner_center_import_prints_progress_and_the_summary(
        app, world, pc_sandbox, alpha_in_partner_center):
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, STRANGER_TENANT, "humongous.onmicrosoft.com",
                          "Humongous Insurance", reseller_tenant=seed.RESELLER_TENANT_ID_NO_MPA)
    buy_in_partner_center(pc_sandbox, ALPHA_TENANT)
    result = app.test_cli_runner().invoke(args=["partner-center", "import", "--page-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Page 1: 2 customers read" in result.output
    assert "Read 4 customers in 2 pages." in result.output
    assert "Subscriptions: 1 created" in result.output
    assert f"MPN {seed.RESELLER_MPN_ID_NO_MPA}" in result.output
    assert db.session.scalars(select(PartnerCenterImport)).one().state == "finished"


IMPORT_PAGE = "/admin/partner-center-import"


def test_the_admin_page_starts_an_import_and_follows_its_progress_to_the_summary(
        client, world, pc_client, pc_sandbox, alpha_in_partner_center):
    with pc_sandbox.lock:
        bulk.add_customer(pc_sandbox, STRANGER_TENANT, "humongous.onmicrosoft.com",
                          "Humongous Insurance", reseller_tenant=seed.RESELLER_TENANT_ID_NO_MPA)
    buy_in_partner_center(pc_sandbox, ALPHA_TENANT)
    login(client, world.admin)
    assert post_form(client, IMPORT_PAGE, {}).status_code == 302
    run = db.session.scalars(select(PartnerCenterImport)).one()
    assert (run.state, run.started_by_id) == ("running", world.admin.id)
    waiting = client.get(IMPORT_PAGE)
    assert waiting.headers["Refresh"] == "3" and "running" in waiting.get_data(as_text=True)

    # The worker's part (tests have no worker): run the import, looking at the page meanwhile.
    seen = []
    import_runs.execute(run.id, pc_client, page_size=2,
                        on_page=lambda _s: seen.append(client.get(IMPORT_PAGE)))
    assert "1 page, 2 customers read so far" in seen[0].get_data(as_text=True)
    assert all(page.headers.get("Refresh") == "3" for page in seen)
    done = client.get(IMPORT_PAGE)
    body = done.get_data(as_text=True)
    assert "Refresh" not in done.headers and "finished" in body
    assert "2 pages, 4 customers read so far" in body
    assert f"MPN {seed.RESELLER_MPN_ID_NO_MPA}" in body and "Import customers" in body


def test_the_import_task_runs_a_run_the_admin_page_recorded(app, world, pc_sandbox):
    run = import_runs.start(world.admin)
    assert import_partner_center_task.apply(args=(run.id,)).get() == "finished"
    assert db.session.get(PartnerCenterImport, run.id).customers_read == len(
        pc_sandbox.data["customers"])
    assert import_partner_center_task.apply(args=(run.id,)).get() == "finished"  # redelivered


def test_pressing_import_while_one_runs_starts_no_second_one(client, world):
    login(client, world.admin)
    post_form(client, IMPORT_PAGE, {})
    again = post_form(client, IMPORT_PAGE, {})
    assert again.status_code == 302
    assert "already running" in client.get(IMPORT_PAGE).get_data(as_text=True)
    assert count(PartnerCenterImport) == 1


@pytest.mark.parametrize("who", ["reseller_a_user", "direct_user"])
def test_only_provider_admins_may_see_or_start_the_import(client, world, who):
    login(client, getattr(world, who))
    assert client.get(IMPORT_PAGE).status_code == 403
    assert client.post(IMPORT_PAGE, data={"csrf_token": csrf_token(client, "/")}
                       ).status_code == 403
    assert count(PartnerCenterImport) == 0


def test_the_demo_sandbox_holds_customers_the_storefront_did_not_create(app, pc_client,
                                                                         pc_sandbox):
    demo.load()
    assert bulk.add_existing_customers(pc_sandbox) == len(bulk.EXISTING)
    assert bulk.add_existing_customers(pc_sandbox) == 0  # a restart adds nothing twice
    summary = import_customers(pc_client)
    for spec in bulk.EXISTING:
        customer = db.session.scalars(select(Customer).where(
            Customer.tenant_id == spec.tenant_id)).one_or_none()
        if spec.partner_mpn == seed.RESELLER_MPN_ID_NO_MPA:  # not a demo reseller: reported
            assert customer is None
            continue
        assert customer.company_name == spec.company
        assert (customer.reseller.mpn_id if customer.reseller else "") == spec.partner_mpn
        assert count(Subscription, Subscription.customer_id == customer.id) == len(spec.plans)
    assert any(seed.RESELLER_MPN_ID_NO_MPA in reason for reason in summary.reasons.counts)
    assert summary.subscriptions.unmatched == 0


def test_the_sandbox_server_adds_the_existing_customers_once_across_restarts(tmp_path):
    state = tmp_path / "sandbox.json"
    first = build(state, existing_customers=True)
    restarted = build(state, existing_customers=True)
    assert restarted.data["customers"].keys() == first.data["customers"].keys()
    assert len(restarted.data["subscriptions"]) == sum(len(e.plans) for e in bulk.EXISTING)
    assert bulk.EXISTING[0].tenant_id not in build(None).data["customers"]  # tests: off

