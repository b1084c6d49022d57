"""B6 with B2/B3: a change made in Partner Center that the hourly sync saw only in a later
month is charged by that later month's run, still from its own day: its own pair, and a
catch-up for each cycle a run charged at the old count before the sync saw it. Microsoft
bills the pair in the month of the change and the cycle, at the new count, in the month it
began. The reconciliation of Microsoft's month compares them with its lines, saying which
month billed them here; the later month's lists them as reconciled there, whichever month
is run first and however often; a real difference still shows, in Microsoft's month.
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
from subscriptions.models import Subscription
from subscriptions.sync import sync_all
from tests.billing.conftest import price_in, provisioned
from tests.conftest import login, served

PAGE = "/admin/billing/reconciliation/"
JUNE_CHANGE = (date(2021, 6, 28), date(2021, 7, 17))
JULY_CHANGE = (date(2021, 7, 28), date(2021, 7, 29))
JULY_CYCLE = (date(2021, 7, 30), date(2021, 8, 29))


def bought(shop, pc_client) -> Subscription:
    """Ten seats of Business Standard for a year billed monthly, bought today at the cost
    Microsoft bills (EUR 9.20, USD 10.00 at its rate): cycles start on today's day."""
    annual = price_in(shop, "DE", "EUR", erp="11.50", term="P1Y", cycle="monthly")
    return provisioned(shop.customer_a, shop.reseller_a_user, annual, 10, pc_client)


def add_five_in_partner_center(clock, pc_client, sub: Subscription, when: datetime) -> None:
    clock.move_to(when)
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, quantity=15)


def charge(clock, month: str, when: datetime) -> None:
    clock.move_to(when)
    generate_charges(month, when.date())


def seen(clock, pc_client, when: datetime) -> None:
    clock.move_to(when)
    sync_all(pc_client)


@pytest.fixture
def seen_in_july(shop, clock, pc_client) -> Subscription:
    """Bought 18 June; five seats added in Partner Center on 28 June; June charged on 1 July
    (the new cycle at 10); the sync sees the five on 2 July, so July's run charges the
    change's pair for 28 June-17 July (Microsoft billed it in June) and the cycle of 18
    July at 15."""
    sub = bought(shop, pc_client)
    add_five_in_partner_center(clock, pc_client, sub, datetime(2021, 6, 28, 9, tzinfo=UTC))
    charge(clock, "2021-06", datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    seen(clock, pc_client, datetime(2021, 7, 2, 9, tzinfo=UTC))
    charge(clock, "2021-07", datetime(2021, 8, 8, 12, tzinfo=UTC))
    return sub


@pytest.fixture
def seen_in_august(shop, clock, pc_client) -> Subscription:
    """Bought 30 June (cycles start on the 30th); five seats added in Partner Center on 28
    July; the cycle of 30 July charged that morning at 10, and July's run done on 1 August,
    before the sync saw the five on 2 August (inside their 7 days, so dated 28 July):
    August's run charges the change's pair for 28-29 July and its catch-up for July's cycle
    (10 refunded, 15 charged), both of which Microsoft billed in July."""
    clock.move_to(datetime(2021, 6, 30, 9, tzinfo=UTC))
    sub = bought(shop, pc_client)
    add_five_in_partner_center(clock, pc_client, sub, datetime(2021, 7, 28, 9, tzinfo=UTC))
    charge(clock, "2021-07", datetime(2021, 7, 30, 0, 15, tzinfo=UTC))
    charge(clock, "2021-07", datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    seen(clock, pc_client, datetime(2021, 8, 2, 9, tzinfo=UTC))
    charge(clock, "2021-08", datetime(2021, 9, 8, 12, tzinfo=UTC))
    return sub


def reconciled(month: str, pc_client, graph_client) -> ReconciliationRun:
    return reconcile(month, invoices=pc_client, exports=graph_client)


def rows(run: ReconciliationRun) -> list[tuple]:
    return [(i.kind, i.charge_type, (i.period_start, i.period_end), i.quantity_ours,
             i.quantity_microsoft, i.amount_ours, i.amount_microsoft, i.note)
            for i in run.items]


def inject(**change) -> None:
    answer = requests.post(f"{GRAPH_HOST}/_sandbox/billing/discrepancy", json=change,
                           timeout=5)
    assert answer.status_code == 201, answer.text


def test_b6_a_change_pair_billed_a_month_after_microsoft_matches_in_microsofts_month(
        seen_in_july, pc_client, graph_client):
    june = reconciled("2021-06", pc_client, graph_client)
    assert (june.state, june.discrepancies) == ("matched", 0), rows(june)
    (row,) = june.items
    assert (row.kind, row.charge_type, (row.period_start, row.period_end)) == (
        "matched_billed_later", "addQuantity", JUNE_CHANGE)
    assert (row.quantity_ours, row.quantity_microsoft) == (5, 5)
    assert row.amount_ours == row.amount_microsoft
    assert "billed here in 2021-07, by Microsoft in 2021-06" in row.note
    assert june.matched == 2  # the new cycle, and the change's pair


def test_b6_the_later_month_lists_the_pair_as_reconciled_in_microsofts_month(
        seen_in_july, pc_client, graph_client):
    july = reconciled("2021-07", pc_client, graph_client)
    assert (july.state, july.discrepancies, july.matched) == ("matched", 0, 1), rows(july)
    (row,) = july.items  # July's own cycle at 15 matched Microsoft's and is not listed
    assert (row.kind, row.charge_type, (row.period_start, row.period_end)) == (
        "reconciled_earlier", "addQuantity", JUNE_CHANGE)
    assert (row.quantity_ours, row.quantity_microsoft, row.amount_microsoft) == (5, None,
                                                                                  None)
    assert "billed here in 2021-07, by Microsoft in 2021-06: reconciled in 2021-06" \
        in row.note


def test_b6_a_catch_up_billed_after_its_cycles_month_matches_microsofts_cycle_line(
        seen_in_august, pc_client, graph_client):
    july = reconciled("2021-07", pc_client, graph_client)
    assert (july.state, july.discrepancies, july.matched) == ("matched", 0, 2), rows(july)
    change, cycle = july.items
    assert (change.kind, change.charge_type, (change.period_start, change.period_end)) == (
        "matched_billed_later", "addQuantity", JULY_CHANGE)
    assert (cycle.kind, cycle.charge_type, (cycle.period_start, cycle.period_end)) == (
        "matched_billed_later", "cycleCharge", JULY_CYCLE)
    assert (cycle.quantity_ours, cycle.quantity_microsoft) == (15, 15)
    # ROUNDDOWN(9.20 EUR x 1.086956522, 2) x 15: 10 charged in July, -10 + 15 in August.
    assert (cycle.amount_ours, cycle.amount_microsoft) == (Decimal("150.00"),
                                                           Decimal("150.00"))
    assert cycle.note == ("cycle charge with a late-seen change: charged at 10, caught up "
                          "to 15 (addQuantity); billed here in 2021-07 and 2021-08, by "
                          "Microsoft in 2021-07")


def test_b6_the_catch_ups_month_lists_what_it_billed_for_july_as_reconciled_in_july(
        seen_in_august, pc_client, graph_client):
    august = reconciled("2021-08", pc_client, graph_client)
    assert (august.state, august.discrepancies) == ("matched", 0), rows(august)
    assert [(kind, charge_type, period, ours) for kind, charge_type, period, ours, *_
            in rows(august)] == [
        ("reconciled_earlier", "addQuantity", JULY_CHANGE, 5),
        ("reconciled_earlier", "addQuantity", JULY_CYCLE, 5)]
    assert all("reconciled in 2021-07" in row.note for row in august.items)


def test_b6_a_rerun_gives_the_same_result_whichever_month_ran_first(
        seen_in_august, pc_client, graph_client):
    runs = [reconciled(month, pc_client, graph_client)
            for month in ("2021-08", "2021-07", "2021-08", "2021-07")]
    assert [run.state for run in runs] == ["matched"] * 4
    assert rows(runs[0]) == rows(runs[2]) and rows(runs[1]) == rows(runs[3])
    assert [run.matched for run in runs] == [1, 2, 1, 2]


def test_b6_microsoft_billing_the_cycle_at_another_count_is_still_a_difference_in_its_month(
        seen_in_august, pc_client, graph_client):
    inject(kind="quantity", quantity=16, month="2021-07", chargeType="cycleCharge",
           subscriptionId=seen_in_august.pc_subscription_id)
    july = reconciled("2021-07", pc_client, graph_client)
    assert (july.state, july.different, july.unmatched_ours) == ("discrepancies", 1, 0)
    (row,) = [item for item in july.items if item.kind == "different"]
    assert (row.charge_type, row.quantity_ours, row.quantity_microsoft) == (
        "cycleCharge", 15, 16)
    assert "billed here in 2021-07 and 2021-08" in row.note
    assert "quantity 15 here, 16 at Microsoft" in row.note


def test_b6_microsoft_billing_the_change_at_another_amount_is_still_a_difference(
        seen_in_july, pc_client, graph_client):
    inject(kind="amount", subtotal="-60.00", month="2021-06", chargeType="addQuantity",
           subscriptionId=seen_in_july.pc_subscription_id)  # the refund line: -66.60
    june = reconciled("2021-06", pc_client, graph_client)
    assert (june.state, june.different) == ("discrepancies", 1), rows(june)
    (row,) = june.items
    assert (row.kind, row.charge_type) == ("different", "addQuantity")
    assert "billed here in 2021-07, by Microsoft in 2021-06" in row.note
    assert "expected at our cost" in row.note


def test_b6_the_page_and_the_csv_say_which_month_billed_what(
        client, shop, seen_in_august, pc_client, graph_client):
    july = reconciled("2021-07", pc_client, graph_client)
    august = reconciled("2021-08", pc_client, graph_client)
    login(client, shop.admin)
    page = client.get(f"{PAGE}{july.id}").get_data(as_text=True)
    assert "Every line matches" in page and 'data-kind="matched_billed_later"' in page
    assert "billed here in 2021-07 and 2021-08, by Microsoft in 2021-07" in page
    later = client.get(f"{PAGE}{august.id}").get_data(as_text=True)
    assert "Every line matches" in later and 'data-kind="reconciled_earlier"' in later
    assert "reconciled in 2021-07" in later
    _, *lines = csv.reader(io.StringIO(
        served(client, f"{PAGE}{august.id}.csv").get_data(as_text=True)))
    assert [(line[0], line[4]) for line in lines] == [
        ("Billed here later than Microsoft: reconciled in Microsoft's month",
         "addQuantity")] * 2
    assert all("billed here in 2021-08, by Microsoft in 2021-07" in line[13]
               for line in lines)
