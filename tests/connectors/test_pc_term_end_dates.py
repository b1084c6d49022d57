"""New-commerce term end dates as Microsoft documents them, sandbox and client alike.

subscription-resources (https://learn.microsoft.com/en-us/partner-center/developer/
subscription-resources), commitmentEndDate: "New commerce end dates are inclusive, meaning
the term end date is at the end of the day. Legacy end dates aren't inclusive."
get-a-subscription-by-id (tests/fixtures/partner_center/documented/get_subscription.json,
https://learn.microsoft.com/partner-center/developer/get-a-subscription-by-id): created
2021-01-14T16:57, a P1Y term answers commitmentEndDate 2022-01-13T00:00:00Z (its LAST day)
and commitmentEndDateTime 2022-01-13T23:59:59Z. create-scheduled-changes: "renewals are
processed after the final day of a term, starting at 12:00 AM UTC the following day", and
the 7-day window restarts with the renewal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from connectors.partner_center.commerce_types import Subscription
from tests.connectors.test_pc_fidelity import raw

DOCUMENTED = Path(__file__).resolve().parents[1] / "fixtures" / "partner_center" / "documented"
SAMPLE = json.loads((DOCUMENTED / "get_subscription.json").read_text())
DOC = SAMPLE["response"]["body"]
LEGACY_ADDON = SAMPLE["alternatives"][1]["response"]["body"]
CREATED = datetime(2021, 1, 14, 16, 57, 15, tzinfo=UTC)  # the documented sample's creationDate

pytestmark = pytest.mark.usefixtures("pc_responses")



@pytest.fixture
def bought(pc_client, make_customer, line):
    """(tenant, subscription id) of a P1Y monthly subscription bought when the sample was."""
    with time_machine.travel(CREATED, tick=False):
        customer = make_customer()
        cart = pc_client.create_cart(customer.id, [line(quantity=2, term="P1Y")])
        order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
        sub_id = pc_client.get_order(customer.id, order.id).lines[0].subscription_id
    return customer.id, sub_id


def _wire(tenant: str, sub_id: str) -> dict:
    return raw("GET", f"/v1/customers/{tenant}/subscriptions/{sub_id}").json()


def test_the_sandbox_answers_the_terms_last_day_as_the_documented_sample(bought):
    with time_machine.travel(CREATED, tick=False):
        answered = _wire(*bought)
    assert answered["commitmentEndDate"] == DOC["commitmentEndDate"] == "2022-01-13T00:00:00Z"
    assert answered["commitmentEndDateTime"] == DOC["commitmentEndDateTime"]


def test_the_sandbox_renews_from_midnight_utc_after_the_last_day_not_before(bought):
    with time_machine.travel(datetime(2022, 1, 13, 23, 59, 59, tzinfo=UTC), tick=False):
        last_second = _wire(*bought)
    with time_machine.travel(datetime(2022, 1, 14, 0, 0, 1, tzinfo=UTC), tick=False):
        renewed = _wire(*bought)
    assert last_second["commitmentEndDate"] == "2022-01-13T00:00:00Z"  # still the first term
    assert renewed["commitmentEndDate"] == "2023-01-13T00:00:00Z"
    assert renewed["commitmentEndDateTime"] == "2023-01-13T23:59:59Z"
    # S3: the 7-day window restarts at the renewal, 00:00 UTC on the day after the last day.
    assert renewed["cancellationAllowedUntilDate"] == "2022-01-21T00:00:00Z"


def test_the_client_reads_a_new_commerce_term_as_over_at_midnight_after_its_last_day():
    sub = Subscription.from_wire(DOC)
    assert sub.commitment_end == datetime(2022, 1, 13, tzinfo=UTC)  # as Microsoft wrote it
    assert sub.term_end == datetime(2022, 1, 14, tzinfo=UTC)  # when the next term begins


def test_the_client_reads_a_legacy_end_date_as_exclusive():
    sub = Subscription.from_wire(LEGACY_ADDON)
    assert sub.term_end == sub.commitment_end == datetime(2018, 2, 10, tzinfo=UTC)


def test_the_client_and_sandbox_agree_on_when_the_term_is_over(pc_client, bought):
    with time_machine.travel(CREATED, tick=False):
        sub = pc_client.get_subscription(*bought)
    assert sub.term_end == datetime(2022, 1, 14, tzinfo=UTC)
