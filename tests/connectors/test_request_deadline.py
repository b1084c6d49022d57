"""A web request's calls to Partner Center and Graph wait for retries and export polls only
while REQUEST_DEADLINE_SECONDS last (connectors/http_retry.py, storefront's
bound_outbound_waits): a throttled Microsoft makes the page say so at once instead of the
request sleeping through a long Retry-After until gunicorn's 30 s worker timeout kills the
worker. Outside a request (workers) the policy's own waits are kept."""

from __future__ import annotations

import pytest

from connectors.http_retry import deadline
from connectors.partner_center.errors import Throttled
from connectors.partner_center.sandbox import seed
from persistence import db
from tests.conftest import login, post_form


def test_within_a_deadline_a_retry_after_longer_than_the_time_left_is_not_slept(
        pc_sandbox, pc_client, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1/customers*", status=429, count=1, retry_after=30)
    with deadline(20), pytest.raises(Throttled):
        list(pc_client.list_customers())
    assert pc_sleeps == []


def test_without_a_deadline_the_retry_after_is_waited_and_the_call_retried(
        pc_sandbox, pc_client, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1/customers*", status=429, count=1, retry_after=30)
    list(pc_client.list_customers())
    assert pc_sleeps == [30]


def test_a_page_answers_at_once_when_partner_center_asks_for_a_long_wait(
        browser, world, pc_sandbox, pc_sleeps):
    reseller = world.reseller_a
    reseller.mpn_id, reseller.mpa_checked_at = seed.RESELLER_MPN_ID_NO_MPA, None
    db.session.commit()
    admin = browser()
    login(admin, world.admin)
    pc_sandbox.add_fault("error", "*", status=429, count=1, retry_after=30)
    asked = post_form(admin, f"/admin/resellers/{reseller.id}/standing", {},
                      token_url=f"/admin/resellers/{reseller.id}")
    page = admin.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Partner Center did not answer" in page
    assert 30 not in pc_sleeps  # the request did not sleep through it
