"""B6 with B2/B3: a cycle a run charged at the old count before the hourly sync saw a
change made in Partner Center before it began is caught up by the change's pair for the
whole cycle (billing.charges), typed as the seat change; Microsoft, which knew the change
in time, bills that cycle as one line at the new count. The reconciliation matches the
cycle's charge and its catch-up pairs against that one line (same subscription and cycle,
amounts summing to Microsoft's to the cent) and says so on the row, on the page and in the
CSV; a line Microsoft billed otherwise is still listed as different.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import requests

from billing.charges import generate_charges
from billing.reconciliation import reconcile
from billing.reconciliation_models import ReconciliationRun
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from persistence import db
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import price_in, provisioned
from tests.billing.test_reconciliation_pages import PAGE, worker_step
from tests.conftest import login, post_form, served

JULY_CYCLE = (date(2021, 7, 18), date(2021, 8, 17))
JULY_INVOICED = datetime(2021, 8, 8, 12, tzinfo=UTC)
LABEL = "cycle charge with a late-seen change"


@pytest.fixture
def caught_up(shop, clock, pc_client) -> Subscription:
    """Ten seats of Business Standard for a year billed monthly, bought 18 June 2021 at the
    cost Microsoft bills (EUR 9.20, USD 10.00 at its rate); five added in Partner Center
    on 16 July; the cycle of 18 July charged that morning at 10, before the sync saw the
    five at 09:00; July charged in full on 8 August: 10 for the cycle, then the change's
    pair for 16-17 July and its catch-up for the cycle (10 refunded, 15 charged)."""
    annual = price_in(shop, "DE", "EUR", erp="11.50", term="P1Y", cycle="monthly")
    sub = provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)
    clock.move_to(datetime(2021, 7, 16, 9, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)
    clock.move_to(datetime(2021, 7, 18, 0, 15, tzinfo=UTC))
    generate_charges("2021-07", date(2021, 7, 18))
    clock.move_to(datetime(2021, 7, 18, 9, tzinfo=UTC))
    sync_all(pc_client)
    clock.move_to(JULY_INVOICED)
    generate_charges("2021-07", JULY_INVOICED.date())
    return sub


def july(pc_client, graph_client) -> ReconciliationRun:
    return reconcile("2021-07", invoices=pc_client, exports=graph_client)


def test_b6_a_cycle_charge_and_its_late_seen_catch_up_match_microsofts_one_line(
        caught_up, pc_client, graph_client):
    done = july(pc_client, graph_client)
    assert (done.state, done.discrepancies) == ("matched", 0), [i.note for i in done.items]
    (row,) = done.items
    assert (row.kind, row.charge_type, (row.period_start, row.period_end)) == (
        "matched_late_seen", "cycleCharge", JULY_CYCLE)
    assert (row.quantity_ours, row.quantity_microsoft) == (15, 15)
    # ROUNDDOWN(9.20 EUR x 1.086956522, 2) x 15: 10 - 10 + 15 seats at 10.00.
    assert (row.amount_ours, row.amount_microsoft) == (Decimal("150.00"), Decimal("150.00"))
    assert row.note.startswith(LABEL)
    assert done.matched == 2  # the cycle with its catch-up, the change's own pair


def test_b6_microsoft_billing_that_cycle_at_another_count_is_still_a_difference(
        caught_up, pc_client, graph_client):
    answer = requests.post(f"{GRAPH_HOST}/_sandbox/billing/discrepancy", timeout=5, json={
        "kind": "quantity", "quantity": 16, "month": "2021-07", "chargeType": "cycleCharge",
        "subscriptionId": caught_up.pc_subscription_id})
    assert answer.status_code == 201, answer.text
    done = july(pc_client, graph_client)
    assert (done.state, done.different, done.unmatched_ours) == ("discrepancies", 1, 0)
    (row,) = done.items
    assert (row.kind, row.quantity_ours, row.quantity_microsoft) == ("different", 15, 16)
    assert LABEL in row.note and "quantity 15 here, 16 at Microsoft" in row.note


def test_b6_the_page_and_the_csv_show_the_cycle_as_matched_with_its_late_seen_change(
        client, shop, clock, caught_up):
    # The admin's page records the run; the worker takes it through Microsoft's export.
    login(client, shop.admin)
    post_form(client, PAGE, {"month": "2021-07"})
    done = db.session.query(ReconciliationRun).one()
    worker_step(done.id)  # Microsoft: running, poll again in 1 s
    clock.shift(1)
    worker_step(done.id)
    page = client.get(f"{PAGE}{done.id}").get_data(as_text=True)
    assert "Every line matches" in page
    assert 'data-kind="matched_late_seen"' in page and LABEL in page
    answer = served(client, f"{PAGE}{done.id}.csv")
    _, row = csv.reader(io.StringIO(answer.get_data(as_text=True)))
    assert row[0].startswith("Matched") and LABEL in row[0]
    assert (row[4], Decimal(row[7]), Decimal(row[8])) == ("cycleCharge", 15, 15)
    assert (Decimal(row[9]), Decimal(row[10])) == (Decimal("150.00"), Decimal("150.00"))
