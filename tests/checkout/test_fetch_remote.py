"""What checkout asks Partner Center, and how often: a free domain is re-asked after two
minutes, a taken one on every checkout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from checkout.fetch import DOMAIN_FREE_TTL, fetch_remote
from connectors.partner_center.sandbox import seed
from tests.conftest import make_customer

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def domain_checks(pc_responses) -> int:
    return sum(1 for call in pc_responses.calls if "/v1/domains/" in call.request.url)


def test_a_free_domain_is_asked_once_per_two_minutes(app, pc_client, pc_responses):
    buyer = make_customer(None, "Freshly Free")
    with time_machine.travel(START, tick=False) as clock:
        assert fetch_remote(pc_client, buyer).domain_available is True
        assert fetch_remote(pc_client, buyer).domain_available is True
        assert domain_checks(pc_responses) == 1
        clock.shift(timedelta(seconds=DOMAIN_FREE_TTL + 1))
        assert fetch_remote(pc_client, buyer).domain_available is True
        assert domain_checks(pc_responses) == 2


def test_a_taken_domain_is_asked_on_every_checkout(app, pc_client, pc_responses, pc_sandbox):
    buyer = make_customer(None, "Taken Later")
    with time_machine.travel(START, tick=False):
        assert fetch_remote(pc_client, buyer).domain_available is True
        pc_sandbox.data["takenDomains"].append("takenlater.onmicrosoft.com")
        assert fetch_remote(pc_client, buyer).domain_available is True  # still kept
    with time_machine.travel(START + timedelta(seconds=DOMAIN_FREE_TTL + 1), tick=False):
        assert fetch_remote(pc_client, buyer).domain_available is False
        assert fetch_remote(pc_client, buyer).domain_available is False
        assert domain_checks(pc_responses) == 3


def verified(tenant_id: str):
    from accounts.models import Customer

    customer = Customer(tenant_mode="existing", tenant_id=tenant_id)
    customer.verify_tenant("admin", START)
    return customer


def test_an_existing_tenant_partner_center_does_not_know_is_reported_unlisted(app, pc_client):
    remote = fetch_remote(pc_client, verified("00000000-0000-0000-0000-00000000dead"))
    assert (remote.delegated_admin, remote.tenant_listed) == (False, False)
    assert fetch_remote(pc_client, verified(seed.TENANT_WITHOUT_DAP_ID)).tenant_listed is True


def test_nothing_is_read_about_a_tenant_not_shown_to_be_the_customers_k11(
        app, pc_client, pc_responses):
    from accounts.models import Customer

    claimed = Customer(tenant_mode="existing", tenant_id=seed.TENANT_WITH_DAP_ID)
    remote = fetch_remote(pc_client, claimed)
    assert (remote.delegated_admin, remote.tenant_listed, remote.subscriptions,
            remote.qualifications) == (None, None, (), frozenset())
    asked = [c.request.url for c in pc_responses.calls if seed.TENANT_WITH_DAP_ID in c.request.url]
    assert asked == []  # a direct customer proves control by signing in, not by asking
