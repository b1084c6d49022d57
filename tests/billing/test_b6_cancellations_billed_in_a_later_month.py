"""B6 with B3/S3: a cancellation made in Partner Center that the hourly sync saw only in a
later month is credited by that later month's run (billing.charges): the running cycle
from the cancellation's day, and whole each later cycle a run charged before the sync saw
it. Microsoft credits the cancellation in its own month and never bills those later
cycles. The reconciliation of Microsoft's month compares the credit with Microsoft's,
saying which month billed it here; a later cycle and its credit net to nothing in the
cycle's month; the later month lists both credits as reconciled there, whichever month is
run first; a real difference still shows, in Microsoft's month.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from subscriptions.models import Subscription
from subscriptions.services import cancel
from tests.billing.conftest import perpetual_price, price_in, provisioned
from tests.billing.test_b6_changes_billed_in_a_later_month import (
    PAGE,
    bought,
    charge,
    inject,
    reconciled,
    rows,
    seen,
)
from tests.conftest import login, served

CANCELLED = (datetime(2021, 6, 27, 8, tzinfo=UTC).date(),
             datetime(2021, 7, 19, tzinfo=UTC).date())
JULY_CYCLE = (datetime(2021, 7, 20, tzinfo=UTC).date(), datetime(2021, 8, 19, tzinfo=UTC).date())


@pytest.fixture
def seen_in_august(shop, clock, pc_client) -> Subscription:
    """Bought at 09:00 on 20 June (window to 09:00 on 27 June), seen by the sync on 21 June;
    cancelled in Partner Center at 08:00 on 27 June; June charged on 1 July and July (the
    cycle of 20 July at 10) on 1 August, before the sync, down since, saw the cancellation
    on 2 August (dated its window's last moment, 27 June): August's run credits 27 June -
    19 July, which Microsoft credited in June, and the cycle of 20 July whole, which
    Microsoft never billed. Beta's subscription, bought on 18 June, has Microsoft
    invoice every month."""
    annual = price_in(shop, "DE", "EUR", erp="11.50", term="P1Y", cycle="monthly")
    provisioned(shop.customer_b, shop.reseller_b_user, annual, 5, pc_client)
    clock.move_to(datetime(2021, 6, 20, 9, tzinfo=UTC))
    sub = bought(shop, pc_client)
    seen(clock, pc_client, datetime(2021, 6, 21, 9, tzinfo=UTC))
    clock.move_to(datetime(2021, 6, 27, 8, tzinfo=UTC))
    pc_client.update_subscription(sub.tenant_id, sub.pc_subscription_id, status="deleted")
    charge(clock, "2021-06", datetime(2021, 7, 1, 0, 15, tzinfo=UTC))
    charge(clock, "2021-07", datetime(2021, 8, 1, 0, 15, tzinfo=UTC))
    seen(clock, pc_client, datetime(2021, 8, 2, 9, tzinfo=UTC))
    charge(clock, "2021-08", datetime(2021, 9, 8, 12, tzinfo=UTC))
    return sub


def test_b6_a_late_seen_cancellations_credit_matches_microsofts_in_microsofts_month(
        seen_in_august, pc_client, graph_client):
    june = reconciled("2021-06", pc_client, graph_client)
    assert (june.state, june.discrepancies, june.matched) == ("matched", 0, 3), rows(june)
    (row,) = june.items  # both new cycles matched and are not listed
    assert (row.kind, row.charge_type, (row.period_start, row.period_end)) == (
        "matched_billed_later", "cancelImmediate", CANCELLED)
    assert (row.quantity_ours, row.quantity_microsoft) == (-10, -10)
    assert row.amount_ours == row.amount_microsoft < 0
    assert "billed here in 2021-08, by Microsoft in 2021-06" in row.note


def test_b6_a_cycle_charged_before_the_cancellation_was_seen_nets_with_its_credit(
        seen_in_august, pc_client, graph_client):
    # Microsoft never billed the cycle of 20 July; ours and its credit a month later are
    # nothing to list in July.
    july = reconciled("2021-07", pc_client, graph_client)
    assert (july.state, july.discrepancies, july.items) == ("matched", 0, []), rows(july)


def test_b6_the_later_month_lists_both_credits_as_reconciled_in_microsofts_months(
        seen_in_august, pc_client, graph_client):
    runs = [reconciled(month, pc_client, graph_client)
            for month in ("2021-08", "2021-06", "2021-07", "2021-08", "2021-06")]
    august = runs[0]
    assert (august.state, august.discrepancies) == ("matched", 0), rows(august)
    assert [(kind, charge_type, period, ours) for kind, charge_type, period, ours, *_
            in rows(august)] == [
        ("reconciled_earlier", "cancelImmediate", CANCELLED, -10),
        ("reconciled_earlier", "cancelImmediate", JULY_CYCLE, -10)]
    assert [row.note.rsplit(": ", 1)[1] for row in august.items] == [
        "reconciled in 2021-06", "reconciled in 2021-07"]
    # Whichever month ran first, and however often, each gives the same result.
    assert rows(runs[0]) == rows(runs[3]) and rows(runs[1]) == rows(runs[4])
    assert [run.state for run in runs] == ["matched"] * 5


def test_b6_microsoft_crediting_the_cancellation_otherwise_is_still_a_difference(
        seen_in_august, pc_client, graph_client):
    inject(kind="amount", subtotal="-50.00", month="2021-06", chargeType="cancelImmediate",
           subscriptionId=seen_in_august.pc_subscription_id)
    june = reconciled("2021-06", pc_client, graph_client)
    assert (june.state, june.different) == ("discrepancies", 1), rows(june)
    (row,) = june.items
    assert (row.kind, row.charge_type) == ("different", "cancelImmediate")
    assert "billed here in 2021-08, by Microsoft in 2021-06" in row.note
    assert "expected at our cost, -50.00 billed" in row.note


def test_b6_the_page_and_the_csv_say_which_month_billed_the_credit(
        client, shop, seen_in_august, pc_client, graph_client):
    june = reconciled("2021-06", pc_client, graph_client)
    august = reconciled("2021-08", pc_client, graph_client)
    login(client, shop.admin)
    page = client.get(f"{PAGE}{june.id}").get_data(as_text=True)
    assert "Every line matches" in page and 'data-kind="matched_billed_later"' in page
    assert "billed here in 2021-08, by Microsoft in 2021-06" in page
    later = client.get(f"{PAGE}{august.id}").get_data(as_text=True)
    assert "Every line matches" in later and 'data-kind="reconciled_earlier"' in later
    _, *lines = csv.reader(io.StringIO(
        served(client, f"{PAGE}{august.id}.csv").get_data(as_text=True)))
    assert [(line[0], line[4]) for line in lines] == [
        ("Billed here later than Microsoft: reconciled in Microsoft's month",
         "cancelImmediate")] * 2
    assert [line[13].rsplit(": ", 1)[1] for line in lines] == ["reconciled in 2021-06",
                                                               "reconciled in 2021-07"]
    assert all("billed here in 2021-08, by Microsoft in 2021-0" in line[13]
               for line in lines)


def test_b6_a_credit_of_the_whole_purchase_stays_with_the_month_that_billed_it(
        shop, clock, agent, pc_client, graph_client):
    # Perpetual software bought on 18 June and cancelled here on 17 July (S6: credited in
    # full, its period the purchase day): Microsoft credits it on July's invoice too, so
    # neither month moves it, though its period begins in June.
    sub = provisioned(shop.customer_a, agent, perpetual_price(), 1, pc_client)
    clock.move_to(datetime(2021, 7, 17, 9, tzinfo=UTC))
    cancel(sub, agent, pc_client)
    charge(clock, "2021-06", datetime(2021, 7, 17, 10, tzinfo=UTC))
    charge(clock, "2021-07", datetime(2021, 8, 8, 12, tzinfo=UTC))
    june, july = (reconciled(month, pc_client, graph_client) for month in ("2021-06", "2021-07"))
    # (The sandbox prices this software in USD: each side is listed for that alone.)
    assert [(i.charge_type, i.quantity_ours) for i in june.items] == [("new", 1)], rows(june)
    (credit,) = july.items
    assert (credit.charge_type, credit.period_start, credit.quantity_ours,
            credit.quantity_microsoft) == ("cancelImmediate", date(2021, 6, 18), -1, -1)
    assert "billed here" not in credit.note
