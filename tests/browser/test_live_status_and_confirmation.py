"""In a real browser (#20, points 1 and 8): an open order's page and the orders list follow
provisioning without a reload, and a destructive button asks in a dialog that says what
will happen, changing nothing until confirmed. All under the strict Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts import api_tokens
from accounts.models import ApiToken
from persistence import db
from provisioning.jobs import run_job
from tests.browser.test_reseller_creates_customer import sign_in
from tests.provisioning.factories import customer, make_order

# The first poll comes after 3 s, and backs off while nothing changes.
SOON = 15_000


@pytest.fixture
def blocked(page: Page) -> list[str]:
    """What the browser refused under the policy, from its console."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture
def open_order(app, world):
    """A submitted order of reseller A, with its queued job, for a new customer."""
    app.config.update(PROVISIONING_BACKOFF_SECONDS=0, PROVISIONING_POLL_SECONDS=0)
    user = world.reseller_a_user
    return make_order(user, customer(user))


def test_the_order_page_turns_from_submitted_to_provisioned_without_a_reload(
        page: Page, live_server, world, open_order, pc_client, blocked):
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/orders/{open_order.id}")
    expect(page.locator("#order-status")).to_have_text("submitted")
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    assert run_job(open_order.id, pc_client) is None  # a worker provisions it meanwhile
    expect(page.locator("#order-status")).to_have_text("provisioned", timeout=SOON)
    expect(page.locator("#order-history li strong")).to_have_text(
        ["submitted", "provisioning", "provisioned"])
    expect(page.locator("[data-announce]")).to_have_text(
        f"Order {open_order.number} is now provisioned.")
    expect(page.locator('[data-line-status="1"] .line-status')).to_have_text("provisioned")
    expect(page.get_by_role("link", name="View subscription")).to_be_visible()
    assert page.evaluate("window.sameDocument === true")
    assert blocked == []


def test_the_orders_list_updates_an_open_orders_badge_in_place(
        page: Page, live_server, world, open_order, pc_client, blocked):
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/orders")
    badge = page.locator(f'tr[data-order-id="{open_order.id}"] [data-order-status]')
    expect(badge).to_have_text("submitted")
    page.evaluate("window.sameDocument = true")

    run_job(open_order.id, pc_client)
    expect(badge).to_have_text("provisioned", timeout=SOON)
    expect(badge).to_have_class("badge status-provisioned")
    assert page.evaluate("window.sameDocument === true")
    assert blocked == []


def test_revoking_a_token_asks_in_a_dialog_that_says_what_will_happen(
        page: Page, live_server, world, blocked):
    token = api_tokens.issue(world.reseller_a_user, "ERP order sync")[0]
    sign_in(page, live_server, world.reseller_a_user.email)
    page.goto(f"{live_server}/api-tokens")
    dialog = page.get_by_role("dialog")

    page.get_by_role("button", name="Revoke").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Every script or system using “ERP order sync” is refused")
    expect(dialog.get_by_role("button", name="Go back, change nothing")).to_be_focused()
    dialog.get_by_role("button", name="Go back, change nothing").click()
    expect(dialog).to_be_hidden()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None

    page.get_by_role("button", name="Revoke").click()
    dialog.get_by_role("button", name="Revoke the token “ERP order sync”").click()
    expect(page.get_by_text("Token “ERP order sync” is revoked")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert blocked == []
