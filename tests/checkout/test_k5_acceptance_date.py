"""K5: an MCA acceptance cannot be dated after today. The ledger is append-only and the date
is attested to Partner Center, so a typo (2031 for 2021) could never be taken back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from agreements import mca
from persistence import db
from tests.api.factories import bearer
from tests.conftest import login, make_customer, post_form

NOON = datetime(2026, 12, 7, 12, tzinfo=UTC)  # already the 8th in Kiribati (UTC+14)
SIGNER = {"signer_first_name": "Marta", "signer_last_name": "Nowak",
          "signer_email": "marta@example.com"}


@pytest.fixture
def noon():
    with time_machine.travel(NOON, tick=False):
        yield


def ledger_rows() -> int:
    return db.session.scalar(select(func.count(mca.McaAcceptance.id)))


@pytest.mark.parametrize(("day", "refused"), [
    (date(2026, 12, 7), False), (date(2026, 12, 8), False), (date(2026, 12, 9), True),
    (date(2031, 1, 1), True)])
def test_k5_an_acceptance_may_be_dated_up_to_today_anywhere_on_earth(day, refused):
    problem = mca.date_agreed_problem(day, NOON)
    assert (problem is not None) == refused
    if refused:
        assert day.isoformat() in problem and "today or earlier" in problem


def test_k5_the_cart_refuses_a_future_date_and_keeps_what_was_typed(client, world, noon):
    customer = make_customer(world.reseller_a, "Gamma GmbH")
    db.session.add(customer)
    db.session.commit()
    login(client, world.reseller_a_user)
    answer = post_form(client, f"/cart/{customer.id}/mca",
                       {**SIGNER, "date_agreed": "2031-01-01", "accepted": "y"},
                       token_url=f"/cart?customer={customer.id}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "2031-01-01 has not come yet" in page and 'value="Nowak"' in page
    assert ledger_rows() == 0


def test_k5_the_api_refuses_a_future_date_with_its_code(client, world, noon):
    answer = client.post(f"/api/v1/customers/{world.customer_a.id}/mca-acceptances",
                         json={**SIGNER, "date_agreed": "2999-12-31"},
                         headers=bearer(world.reseller_a_user))
    assert answer.status_code == 422
    [problem] = answer.get_json()["error"]["problems"]
    assert (problem["code"], problem["field"]) == ("K5.date_agreed_in_future", "date_agreed")
    assert ledger_rows() == 0


def test_k5_the_ledger_itself_refuses_a_future_date(world, noon):
    with pytest.raises(mca.FutureAcceptance) as refused:
        mca.record_acceptance(customer=world.customer_a, user=world.reseller_a_user,
                              signer=mca.Signer("Marta", "Nowak", "marta@example.com"),
                              template_id="t", version="t", date_agreed=date(2026, 12, 9))
    assert refused.value.codes == ("K5.date_agreed_in_future",)
    assert ledger_rows() == 0
