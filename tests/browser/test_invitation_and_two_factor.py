"""#21 in a real browser: the provider's admin invites a reseller user, who accepts from
the emailed link, is made an admin agent (so must use a second factor), enrols it, signs
out, and signs in again with a code from the app."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.test_reseller_creates_customer import sign_in
from tests.security.test_invitations_and_roles import JOIN_RE, emailed_link

NEW_PASSWORD = "invited browser passphrase"


def test_invited_reseller_user_accepts_enrols_and_signs_in_with_a_code(
        page: Page, live_server, world, app):
    admin = page.context.browser.new_context(locale="en-US").new_page()
    admin_signs_in_and_invites(admin, live_server, world)
    admin.context.close()
    # Required from here on (the world's admin, signed in above, has no second factor).
    app.config["MFA_REQUIRED"] = True

    link = emailed_link(JOIN_RE, "invited@test.example")
    page.goto(live_server + link)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Your password is set")).to_be_visible()

    page.get_by_label("Email").fill("invited@test.example")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()

    page.goto(f"{live_server}/account")
    page.get_by_role("button", name="Sign out everywhere").click()
    page.get_by_role("button", name="Sign out everywhere").last.click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill("invited@test.example")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The enrolment's code is spent; the next time step's is accepted (clocks drift).
    page.get_by_label("Code").fill(
        pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30)))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Customers", exact=True)).to_be_visible()


def admin_signs_in_and_invites(admin: Page, base: str, world) -> None:
    sign_in(admin, base, world.admin.email)
    admin.goto(f"{base}/team?reseller={world.reseller_a.id}")
    admin.get_by_label("Name").fill("Invited Person")
    admin.get_by_label("Email").fill("invited@test.example")
    admin.get_by_label("Admin agent (may cancel").check()
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_text("An invitation is on its way")).to_be_visible()
