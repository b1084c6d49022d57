"""Annual orders in the O2 window, usage thresholds notified once each (O2, O3, O5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commitments.problems import CommitmentRefused
from commitments.records import services
from commitments.records.daily import run_daily
from commitments.records.models import Enrollment, SentNotice
from persistence import db
from tests.enrollments.conftest import SIGNED_ON, at, notifications, pay_commitment, post_action

ANNIVERSARY = date(2026, 4, 1)  # year 2 of an enrollment starting 1 April 2025
YEAR_2 = {"order_kind": "annual", "order_year": "2", "order_amount": "80000"}


@pytest.mark.parametrize(("days_before", "status", "code"), [
    (61, 422, "O2.annual_order_too_early"),
    (60, 302, None),
    (30, 302, None),
    (29, 422, "O2.annual_order_window_closed"),
])
def test_the_year_2_order_is_accepted_from_60_to_30_days_before_the_anniversary(
    client, world, active, days_before, status, code
):
    with at(ANNIVERSARY - timedelta(days=days_before), client, world.admin):
        response = post_action(client, active, "orders", YEAR_2)
    assert response.status_code == status
    if code:
        assert code in response.get_data(as_text=True)
        assert [o.kind for o in db.session.get(Enrollment, active.id).orders] == ["initial"]
    else:
        assert [o.kind for o in db.session.get(Enrollment, active.id).orders] == [
            "initial", "annual"]


def test_the_page_shows_the_year_2_window_and_that_it_is_open(client, world, active):
    with at(date(2026, 2, 15), client, world.admin):
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    assert 'data-testid="window-2">2026-01-31 to 2026-03-02 <span class="badge ok">open now' \
        in page


def test_the_provider_may_enter_a_late_annual_order_while_the_payment_advice_runs(
    client, world, active
):
    with at(ANNIVERSARY - timedelta(days=29), client, world.admin):
        response = post_action(client, active, "orders", {**YEAR_2, "late_entry": "y"})
    assert response.status_code == 302


def test_a_true_down_to_zero_needs_a_recorded_approval(client, world, active):
    with at(date(2026, 2, 15), client, world.admin):
        zero = {**YEAR_2, "order_amount": "0"}
        refused = post_action(client, active, "orders", zero)
        assert "O2.true_down_to_zero_needs_approval" in refused.get_data(as_text=True)
        approved = post_action(client, active, "orders", {
            **zero, "approved_by": "Zhang Min (21V)", "approved_on": "2026-02-10"})
    assert approved.status_code == 302
    assert len(db.session.get(Enrollment, active.id).invoices) == 1  # nothing to invoice for 0


def test_an_annual_order_above_150_percent_needs_a_new_credit_check(client, world, active):
    with at(date(2026, 2, 15), client, world.admin):
        grown = post_action(client, active, "orders", {**YEAR_2, "order_amount": "150000.01"})
        assert "O4.credit_check_required" in grown.get_data(as_text=True)
        post_action(client, active, "credit-checks", {"check_year": "2", "check_passed": "yes"})
        accepted = post_action(client, active, "orders", {**YEAR_2, "order_amount": "150000.01"})
    assert accepted.status_code == 302


def test_an_additional_order_may_be_placed_any_day_of_the_current_year(client, world, active):
    with at(date(2025, 11, 11), client, world.admin):
        response = post_action(client, active, "orders", {
            "order_kind": "additional", "order_year": "1", "order_amount": "20000"})
    assert response.status_code == 302
    assert db.session.get(Enrollment, active.id).orders[-1].kind == "additional"


def test_usage_crossing_50_75_90_and_100_percent_notifies_once_each(client, world, active):
    # Recipients: the provider admin and reseller A's user (customer A has no users).
    steps = [("50000", 2), ("10000", 2), ("15000", 4), ("15000", 6), ("10000", 8),
             ("5000", 8)]
    with at(date(2025, 6, 1), client, world.admin):
        for amount, expected in steps:
            response = post_action(client, active, "usage", {
                "used_on": "2025-06-01", "meter": "Compute", "quantity": amount})
            assert response.status_code == 302
            assert notifications() == expected, amount
    sent = db.session.scalars(db.select(SentNotice.key)
                              .where(SentNotice.kind == "usage_threshold")).all()
    assert sorted(k.rsplit(":", 1)[1] for k in sent) == ["100", "50", "75", "90"]
    assert notifications(world.reseller_a_user) == 4
    pay_commitment(active, SIGNED_ON, world.admin)  # else the unpaid commitment is due (O8)
    assert run_daily(date(2025, 6, 1)).total == 0  # the daily job finds them already sent


def test_one_record_crossing_three_thresholds_sends_three_notices(world, active):
    sent = services.record_usage(active, date(2025, 6, 1), "Storage", Decimal("95000"),
                                 date(2025, 6, 1), world.admin)
    assert [n.key.detail for n in sent] == [50, 75, 90]
    assert notifications(world.admin) == 3


def test_usage_outside_the_term_is_refused_with_its_code(world, active):
    with pytest.raises(CommitmentRefused) as refused:
        services.record_usage(active, date(2025, 3, 31), "", Decimal(1),
                              date(2025, 6, 1), world.admin)
    assert refused.value.codes == ("O5.usage_outside_term",)


def test_usage_for_a_future_day_is_refused_by_the_form(client, world, active):
    with at(date(2025, 6, 1), client, world.admin):
        response = post_action(client, active, "usage", {
            "used_on": "2025-06-02", "quantity": "1", "meter": "Compute"})
    assert response.status_code == 422 and active.usage == []
