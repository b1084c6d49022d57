"""Every link in an email is absolute, under PUBLIC_BASE_URL: an email is read away from the
site, where /orders/4 leads nowhere. Each flow that mails is run here; beyond these, the
suite-wide `emails_link_absolutely` fixture (tests/conftest.py) scans every email any
test's flow writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from commitments.records import services
from commitments.records.daily import run_daily
from config.errors import ConfigError
from config.settings import ProductionConfig, TestingConfig, validate
from notifications import notify
from notifications.models import OutboxEmail
from persistence import db
from provisioning.results import notify_outcome
from relationships.models import GdapRelationship
from relationships.services import expiry_notices
from relationships.tasks import tenant_page
from tests.conftest import csrf_from
from tests.enrollments.conftest import activate, mainland_enterprise
from tests.test_auth import SIGNUP
from tests.ux.emails import relative_links

SITE = TestingConfig.PUBLIC_BASE_URL  # https://storefront.example


def emails_to(user_or_address) -> list[OutboxEmail]:
    address = getattr(user_or_address, "email", user_or_address)
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == address)))


def only_absolute(email: OutboxEmail) -> OutboxEmail:
    assert relative_links(email.body) == [], email.body
    return email


def test_the_scan_finds_the_relative_link_an_email_used_to_carry():
    assert relative_links("Order ORD-000004 is provisioned.\n\n/orders/4") == ["/orders/4"]
    assert relative_links(f"Order ORD-000004 is provisioned.\n\n{SITE}/orders/4") == []


def test_an_order_outcome_mail_links_the_order_absolutely(app, world):
    order = world.order_a
    order.record("provisioned", "All 1 lines are active in Partner Center.")
    notify_outcome(order)
    db.session.commit()
    [mail] = emails_to(world.reseller_a_user)
    assert only_absolute(mail).body.endswith(f"\n\n{SITE}/orders/{order.id}")


def test_an_order_needing_attention_mails_the_admins_the_admin_page_absolutely(app, world):
    order = world.order_a
    order.record("needs_attention", "Partner Center refused it.", "Retry it.")
    notify_outcome(order)
    db.session.commit()
    [mail] = emails_to(world.admin)
    assert only_absolute(mail).body.endswith(f"\n\n{SITE}/admin/orders/{order.id}")


def test_a_commitment_notice_links_the_enrollment_absolutely(app, world):
    customer = mainland_enterprise(world.customer_a)  # O1: OSPA's only buyers
    row = activate(services.create_enrollment(customer, date(2025, 4, 1)), world.admin)
    run_daily(date(2025, 12, 17))  # the 105-day reminder of the annual order
    [mail] = [m for m in emails_to(world.reseller_a_user) if "Annual order due" in m.subject]
    assert only_absolute(mail).body.endswith(f"\n\n{SITE}/enrollments/{row.id}")


def test_a_gdap_expiry_notice_links_the_tenant_page_absolutely(app, world):
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    db.session.add(GdapRelationship(
        customer_id=world.customer_a.id, tenant_id="00000000-0000-0000-0000-0000000000aa",
        relationship_id="rel-ending", display_name="ending", status="active",
        ends_at=now + timedelta(days=5)))
    db.session.commit()
    # What the daily task passes: built without a request, as a worker has none.
    assert expiry_notices(now, notify, tenant_page) == 1
    [mail] = emails_to(world.reseller_a_user)
    assert only_absolute(mail).body.endswith(
        f"\n\n{SITE}/customers/{world.customer_a.id}/tenant")


def sign_up_from(client, host: str, data: dict) -> None:
    """Post the sign-up form to the site under another Host header than its own."""
    base = f"http://{host}"
    token = csrf_from(client.get("/signup", base_url=base).get_data(as_text=True))
    assert client.post("/signup", base_url=base, data={**data, "csrf_token": token}
                       ).status_code == 302


def test_the_sign_up_link_is_under_the_public_address_not_the_requests_host(client, world):
    sign_up_from(client, "attacker.example", SIGNUP)
    [mail] = emails_to(SIGNUP["user_email"])
    assert f"\n\n{SITE}/signup/confirm?token=" in only_absolute(mail).body
    assert "attacker.example" not in mail.body


def test_the_note_to_an_address_with_an_account_links_sign_in_absolutely(client, world):
    sign_up_from(client, "attacker.example", {**SIGNUP, "user_email": world.direct_user.email})
    [mail] = emails_to(world.direct_user)
    assert f"\n\n{SITE}/login\n\n" in only_absolute(mail).body


def test_production_refuses_to_start_without_the_public_address():
    settings = {name: getattr(TestingConfig, name) for name in dir(TestingConfig)
                if name.isupper()}
    production = settings | {"ENV_NAME": ProductionConfig.ENV_NAME, "PUBLIC_BASE_URL": ""}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set.*https://"):
        validate(production)
    validate(settings | {"PUBLIC_BASE_URL": ""})  # outside production: mail is local


@pytest.mark.parametrize("url", ["shop.example.com", "ftp://shop.example.com",
                                 "https://shop.example.com/?x=1", "https://#top"])
def test_a_malformed_public_address_is_refused_with_the_fix(url):
    settings = {name: getattr(TestingConfig, name) for name in dir(TestingConfig)
                if name.isupper()}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL=.*https://shop.example.com"):
        validate(settings | {"PUBLIC_BASE_URL": url})
