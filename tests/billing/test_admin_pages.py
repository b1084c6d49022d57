"""The provider admin's billing page runs a month's billing; the tax rates page edits the
rates; the CLI and the monthly beat task run the same service."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from sqlalchemy import select

from billing.models import BillingRun, Invoice, TaxRate
from billing.tasks import billing_monthly_task
from persistence import db
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, post_form

JULY_2 = datetime(2021, 7, 2, 8, tzinfo=UTC)


def test_the_admin_runs_billing_for_last_month_from_the_billing_page(client, shop, clock,
                                                                    pc_client):
    provisioned(shop.customer_a, shop.reseller_a_user, price_in(shop, "DE", "EUR", "10.08"), 10,
                pc_client)
    clock.move_to(JULY_2)
    login(client, shop.admin)
    page = client.get("/admin/billing").get_data(as_text=True)
    assert "Run billing for 2021-06" in page
    response = post_form(client, "/admin/billing/run", {"month": "2021-06"},
                         token_url="/admin/billing")
    assert response.status_code == 302
    shown = client.get("/admin/billing").get_data(as_text=True)
    assert "Billed 2021-06: 1 new charge, 1 invoice issued." in shown
    # Each month's count opens that month's invoices.
    assert '<a href="/invoices?month=2021-06&amp;kind=invoice" aria-label="1 invoice of ' \
           '2021-06">1</a>' in shown
    listed = client.get("/invoices?month=2021-06&kind=invoice").get_data(as_text=True)
    assert "INV-2021-000001" in listed
    assert db.session.scalars(select(Invoice.number)).all() == ["INV-2021-000001"]
    assert db.session.scalars(select(BillingRun.started_by_id)).all() == [shop.admin.id]


def test_a_month_written_wrong_is_refused_with_how_to_write_it(client, shop):
    login(client, shop.admin)
    response = post_form(client, "/admin/billing/run", {"month": "06/2021"},
                         token_url="/admin/billing")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "write the billing month as YYYY-MM, e.g. 2026-11" in page
    assert "month: write" not in page  # the field's label says which field already


def test_the_admin_sets_a_countrys_tax_rate(client, shop):
    login(client, shop.admin)
    response = post_form(client, "/admin/billing/tax-rates",
                         {"country": "de", "rate": "7", "label": "USt", "note": ""})
    assert response.status_code == 302
    rate = db.session.scalar(select(TaxRate).where(TaxRate.country == "DE"))
    assert (rate.rate, rate.label, rate.inclusive) == (Decimal("0.07"), "USt", False)
    refused = post_form(client, "/admin/billing/tax-rates", {"country": "DE", "rate": "abc"})
    assert refused.status_code == 422
    assert "enter a percentage between 0 and 50" in refused.get_data(as_text=True)


def test_flask_billing_run_bills_the_month_and_explains_a_wrong_one(app, shop, clock,
                                                                   pc_client):
    provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2, pc_client)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "run", "--month", "2021-06", "--today",
                                 "2021-07-02"])
    assert result.exit_code == 0, result.output
    assert "Billed 2021-06: 1 new charge, 1 invoice issued." in result.output
    wrong = runner.invoke(args=["billing", "run", "--month", "2021-6"])
    assert wrong.exit_code == 2
    assert "--month" in wrong.output and "write the billing month as YYYY-MM" in wrong.output


def test_the_monthly_task_bills_the_month_before(app, shop, pc_client):
    with time_machine.travel(datetime(2021, 6, 18, 9, tzinfo=UTC), tick=False) as clock:
        provisioned(shop.direct, shop.direct_user, price_in(shop, "GB", "GBP", "9.40"), 2,
                    pc_client)
        clock.move_to(JULY_2)
        assert billing_monthly_task.apply().get() == 1
        assert billing_monthly_task.apply().get() == 0
    assert db.session.scalar(select(Invoice.billing_month)) == "2021-06"
