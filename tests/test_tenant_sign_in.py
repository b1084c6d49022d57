"""K11 for a direct customer: signing in with a work account of the tenant proves it
(real msal against the sandbox's Entra ID double); another tenant's account does not."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from sqlalchemy import select

from accounts.models import Customer, TenantSignIn
from connectors.partner_center.sandbox import seed
from persistence import db
from tests.conftest import login, post_form

TENANT, DOMAIN = seed.TENANT_WITH_DAP_ID, seed.TENANT_WITH_DAP_DOMAIN


def claims_the_tenant(world) -> Customer:
    direct = world.direct
    direct.tenant_mode, direct.tenant_id, direct.domain_prefix = "existing", TENANT, ""
    db.session.commit()
    return direct


def entra_answer(client, account: str) -> dict[str, str]:
    """Start on our page and let Entra (the double) answer: the fields it posts back."""
    started = post_form(client, "/company/tenant/sign-in", {"account": account},
                        token_url="/company/tenant")
    assert started.status_code == 302
    entra = requests.get(started.headers["Location"], timeout=5)
    return {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"',
                                                   entra.text)}


def sign_in(client, account: str):
    """The whole round trip: our page, Entra, its answer posted back to us."""
    return client.post("/company/tenant/signed-in", data=entra_answer(client, account))


def test_a_work_account_of_the_tenant_proves_it_and_orders_may_follow(client, world):
    direct = claims_the_tenant(world)
    login(client, world.direct_user)

    answer = sign_in(client, f"it@{DOMAIN}")

    assert answer.status_code == 302 and "/company/tenant?proof=" in answer.headers["Location"]
    db.session.refresh(direct)
    assert direct.tenant_verified and direct.tenant_verified_by == "sign_in"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Confirmed" in page and f"it@{DOMAIN}" in page


def test_an_account_of_another_tenant_proves_nothing(client, world):
    direct = claims_the_tenant(world)
    login(client, world.direct_user)

    answer = sign_in(client, f"admin@{seed.TENANT_WITHOUT_DAP_DOMAIN}")

    db.session.refresh(direct)
    assert not direct.tenant_verified
    row = db.session.scalar(select(TenantSignIn))
    assert row.outcome == "tenant_mismatch"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "belongs to another Microsoft tenant" in page


def test_a_replayed_answer_is_refused(client, world):
    claims_the_tenant(world)
    login(client, world.direct_user)
    fields = entra_answer(client, f"it@{DOMAIN}")
    client.post("/company/tenant/signed-in", data=fields)
    world.direct.tenant_verified_by = ""
    db.session.commit()

    again = client.post("/company/tenant/signed-in", data=fields)

    assert again.headers["Location"].endswith("proof=expired")
    db.session.refresh(world.direct)
    assert not world.direct.tenant_verified


def test_the_answer_from_entra_needs_no_session_and_sets_no_cookie(app, world):
    claims_the_tenant(world)
    browser = app.test_client()
    login(browser, world.direct_user)
    fields = entra_answer(browser, f"it@{DOMAIN}")
    cross_site = app.test_client()  # the POST from Entra carries none of our cookies
    answer = cross_site.post("/company/tenant/signed-in", data=fields)
    assert answer.status_code == 302 and "Set-Cookie" not in answer.headers
    db.session.refresh(world.direct)
    assert world.direct.tenant_verified


def test_the_tenant_page_leads_back_to_its_customer(client, world):
    """It had no way back but the browser's."""
    for user, page, back in (
            (world.reseller_a_user, f"/customers/{world.customer_a.id}/tenant",
             f"/customers/{world.customer_a.id}"),
            (world.admin, f"/customers/{world.customer_a.id}/tenant",
             f"/admin/customers/{world.customer_a.id}"),
            (world.direct_user, "/company/tenant", "/company")):
        login(client, user)
        html = client.get(page).get_data(as_text=True)
        assert re.search(rf'<a href="{back}" id="back-to-customer">', html), user.email
        assert client.get(back).status_code == 200, user.email
        client.post("/logout", data={"csrf_token": re.search(
            r'name="csrf_token" value="([^"]+)"', html)[1]})


@pytest.mark.parametrize("proof", ["\u00b2", "9" * 5000, "99999999999999999999"])
def test_a_proof_naming_no_possible_sign_in_shows_the_page_without_one(client, world, proof):
    """"²" passes str.isdigit() and int() refuses it, as it does 5,000 digits: both were a
    500 (persistence.row_id reads every id typed into an address)."""
    login(client, world.direct_user)
    assert client.get("/company/tenant", query_string={"proof": proof}).status_code == 200
