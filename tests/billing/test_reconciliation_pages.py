"""B6 for the provider's admins: the page starts a month's run, which a worker takes through
Microsoft's export (tests play the worker), and lists what does not match; the CSV goes
through the one safe writer, and `flask billing reconcile` does the same."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import requests
import time_machine

from billing.charges import generate_charges
from billing.reconciliation_exports import advance
from billing.reconciliation_models import ReconciliationItem, ReconciliationRun
from connectors.graph.app_client import get_graph_client
from connectors.partner_center.app_client import get_client
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from persistence import db
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, post_form, served

INVOICED = datetime(2021, 7, 8, 12, tzinfo=UTC)
PAGE = "/admin/billing/reconciliation/"


@pytest.fixture
def june(shop, clock, pc_client):
    """June 2021 charged here and invoiced by Microsoft, one line billed at 11 seats."""
    eur = price_in(shop, "DE", "EUR", erp="13.80")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, eur, 10, pc_client)
    clock.move_to(INVOICED)
    generate_charges("2021-06", INVOICED.date())
    answer = requests.post(f"{GRAPH_HOST}/_sandbox/billing/discrepancy", timeout=5,
                           json={"kind": "quantity", "quantity": 11})
    assert answer.status_code == 201
    return sub


def worker_step(run_id: int) -> None:
    """What the worker does with the run's message (billing.tasks.reconcile_step_task)."""
    advance(run_id, invoices=get_client(), graph=get_graph_client())


def test_the_admin_runs_a_month_and_sees_the_line_that_does_not_match(client, shop, june,
                                                                      clock, pc_sleeps):
    login(client, shop.admin)
    assert "2021-06" in client.get(PAGE).get_data(as_text=True)  # last month, proposed
    answer = post_form(client, PAGE, {"month": "2021-06"})
    assert answer.status_code == 302 and not pc_sleeps  # the request waited for nothing
    run = db.session.query(ReconciliationRun).one()
    assert (run.state, run.exports) == ("exporting", [])  # the worker asks Microsoft
    waiting = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Waiting for Microsoft" in waiting and "data-live-job" in waiting
    worker_step(run.id)  # asks for the export; Microsoft says: running, poll again in 1 s
    clock.shift(1)
    worker_step(run.id)
    body = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 line does not match" in body and "quantity 10 here, 11 at Microsoft" in body
    assert june.pc_subscription_id in body and "Alpha GmbH" in body
    assert "data-live-job" not in body


def test_the_status_the_run_page_polls_says_what_the_run_waits_for(client, shop, june):
    login(client, shop.admin)
    post_form(client, PAGE, {"month": "2021-06"})
    run = db.session.query(ReconciliationRun).one()
    worker_step(run.id)
    status = client.get(f"{PAGE}{run.id}/status.json").get_json()
    assert (status["status"], status["final"], status["polls"]) == ("exporting", False, 1)
    assert "Microsoft is preparing the export: 0 of 1 invoice export(s) ready" in \
        status["phase"]


@pytest.mark.parametrize(("today", "month"), [
    (datetime(2026, 12, 6, 9, tzinfo=UTC), "2026-10"),  # November's invoice comes by the 8th
    (datetime(2026, 12, 8, 9, tzinfo=UTC), "2026-11"),
    (datetime(2027, 1, 2, 9, tzinfo=UTC), "2026-11")])
def test_the_form_starts_at_the_newest_month_microsoft_has_invoiced(client, shop, today,
                                                                    month):
    """It offered the month before today's, whose invoice is not out until the 6th-8th: a
    click on the 2nd recorded a run that found no invoice."""
    login(client, shop.admin)
    with time_machine.travel(today, tick=False):
        page = client.get(PAGE).get_data(as_text=True)
    assert re.search(rf'name="month"[^>]*value="{month}"', page)


def test_a_month_written_wrongly_is_refused_naming_the_fix(client, shop):
    login(client, shop.admin)
    answer = post_form(client, PAGE, {"month": "June 2021"})
    assert answer.status_code == 422
    assert "write the billing month as YYYY-MM, e.g. 2026-11" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ReconciliationRun.id))) == 0


def test_the_csv_lists_the_lines_and_cannot_run_as_a_formula(client, shop):
    run = ReconciliationRun(month="2021-06", state="discrepancies", different=1)
    run.items = [ReconciliationItem(kind="unmatched_microsoft", customer_name="=HYPERLINK(1)",
                                    charge_type="new", pc_subscription_id="abc",
                                    currency="USD", note="billed by Microsoft, no charge here")]
    db.session.add(run)
    db.session.commit()
    login(client, shop.admin)
    answer = served(client, f"{PAGE}{run.id}.csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert f'filename="reconciliation-2021-06-{run.id}.csv"' in \
        answer.headers["Content-Disposition"]
    header, row = csv.reader(io.StringIO(answer.get_data(as_text=True)))
    assert header[0] == "Kind" and row[0] == "Billed by Microsoft only"
    assert row[1] == "'=HYPERLINK(1)"


def test_the_command_reconciles_a_month_and_says_what_differs(app, shop, june):
    result = app.test_cli_runner().invoke(args=["billing", "reconcile", "--month", "2021-06"])
    assert result.exit_code == 0, result.output
    assert "2021-06: discrepancies" in result.output
    assert "quantity 10 here, 11 at Microsoft" in result.output


def test_the_command_refuses_a_month_written_wrongly(app):
    result = app.test_cli_runner().invoke(args=["billing", "reconcile", "--month", "13/2021"])
    assert result.exit_code == 2
    assert "write the billing month as YYYY-MM" in result.output
