"""Every destructive action asks first and says its consequence (#20, point 8).

A POST without confirm=yes changes nothing and answers with a confirmation page naming the
consequence; the page's own form (the no-JavaScript path) then carries it out. The buttons
on the pages carry the same consequence for the in-page dialog (static/confirm.js) and are
styled as dangerous. Subscriptions are bought in the Partner Center sandbox (the HTTP
boundary); nothing of ours is patched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from accounts import api_tokens, links, sessions
from accounts.models import ApiToken, CompanyRole, Customer, Reseller, User, UserSession
from catalog import country_lists
from catalog.models import CountryListEntry, Product, ResellerMarkup
from commitments.records.models import Enrollment
from commitments.records.services import create_enrollment
from connectors.partner_center.sandbox import seed
from persistence import db, utcnow
from subscriptions.models import Subscription
from tests.conftest import csrf_token, login, post_form
from tests.enrollments.conftest import activate, mainland_enterprise
from tests.subscriptions.conftest import buy, patches, tenant  # noqa: F401 - fixtures


@dataclass
class Case:
    user: User
    url: str  # the destructive POST
    says: str  # words of its consequence
    state: Callable[[], object]  # what the action changes, read afresh
    data: dict | None = None
    page: str | None = None  # where its button is, when it asks in a dialog there


def fresh(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def stop_selling(world, request) -> Case:
    product = world.price.sku.product
    return Case(world.admin, f"/admin/catalog/{product.id}/toggle", "leaves the shop at once",
                lambda: fresh(Product, product.id).enabled, page="/admin/catalog")


def enrollment_to(target: str, says: str, **data) -> Callable[..., Case]:
    def case(world, request) -> Case:
        customer = mainland_enterprise(world.customer_a)  # O1: OSPA's only buyers
        row = activate(create_enrollment(customer, date(2025, 4, 1)), world.admin)
        return Case(world.admin, f"/admin/enrollments/{row.id}/status", says,
                    lambda: fresh(Enrollment, row.id).status, {"target": target, **data},
                    page=f"/enrollments/{row.id}")
    return case


def autorenew_off(world, request) -> Case:
    sub = request.getfixturevalue("buy")(quantity=3)
    return Case(world.reseller_a_user, f"/subscriptions/{sub.id}/autorenew",
                "will not renew", lambda: fresh(Subscription, sub.id).autorenew,
                {"autorenew": "off"}, page=f"/subscriptions/{sub.id}")


def remove_licenses(world, request) -> Case:
    sub = request.getfixturevalue("buy")(quantity=3)
    return Case(world.reseller_a_user, f"/subscriptions/{sub.id}/quantity",
                "goes from 3 to 1 license at once: 2 users lose their license",
                lambda: fresh(Subscription, sub.id).quantity, {"quantity": "1"})


def cancel_subscription(world, request) -> Case:
    sub = request.getfixturevalue("buy")(quantity=2)
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    return Case(world.reseller_a_user, f"/subscriptions/{sub.id}/cancel",
                "Cancelling now refunds", lambda: fresh(Subscription, sub.id).status)


def revoke_token(world, request) -> Case:
    token = api_tokens.issue(world.reseller_a_user, "ERP order sync")[0]
    return Case(world.reseller_a_user, f"/api-tokens/{token.id}/revoke",
                "Every script or system using “ERP order sync” is refused (401)",
                lambda: fresh(ApiToken, token.id).revoked_at is None, page="/api-tokens")


def deactivate_user(world, request) -> Case:
    user = world.reseller_a_user
    return Case(world.admin, f"/admin/users/{user.id}/active",
                "a@test.example is signed out everywhere at once",
                lambda: fresh(User, user.id).active, {"active": "off"},
                page=f"/admin/resellers/{world.reseller_a.id}")


def revoke_invitation(world, request) -> Case:
    user = world.reseller_a_user
    user.company_role = CompanyRole.ADMIN
    row = links.issue(links.Purpose.INVITATION, "invitee@test.example", utcnow(),
                      created_by=user, data={"reseller_id": user.reseller_id,
                                             "company_role": "user"})[0]
    db.session.commit()
    return Case(user, f"/team/invitations/{row.id}/revoke",
                "The link emailed to invitee@test.example stops working at once",
                lambda: fresh(links.AccountLink, row.id).used_at, page="/team")


def deactivate_reseller(world, request) -> Case:
    reseller = world.reseller_a
    return Case(world.admin, f"/admin/resellers/{reseller.id}",
                "Every user of Reseller A is signed out at once",
                lambda: fresh(Reseller, reseller.id).active,
                {"company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
                 "contact_name": "Ada", "contact_email": "ada@example.com"})


def deactivate_direct_customer(world, request) -> Case:
    customer = world.direct
    return Case(world.admin, f"/admin/customers/{customer.id}/active",
                "Every user of Direct Ltd is signed out at once",
                lambda: fresh(Customer, customer.id).active, {"active": "off"},
                page=f"/admin/customers/{customer.id}")


def withdraw_admin_agent(world, request) -> Case:
    user = world.reseller_a_user
    user.admin_agent = True
    db.session.commit()
    return Case(world.admin, f"/admin/users/{user.id}/admin-agent",
                "can no longer cancel subscriptions", lambda: fresh(User, user.id).admin_agent,
                {"admin_agent": "off"}, page=f"/admin/resellers/{world.reseller_a.id}")


def reset_mfa(world, request) -> Case:
    user = world.reseller_a_user
    user.mfa_enabled_at = utcnow()  # enrolled (the secret itself is not read here)
    db.session.commit()
    return Case(world.admin, f"/admin/users/{user.id}/mfa-reset",
                "authenticator app and recovery codes stop working",
                lambda: fresh(User, user.id).mfa_enabled,
                page=f"/admin/resellers/{world.reseller_a.id}")


def end_session(world, request) -> Case:
    phone = sessions.open_session(
        world.reseller_a_user, remember=False, user_agent="Safari on iOS", address="10.0.0.7",
        now=utcnow(), lifetimes=sessions.Lifetimes(
            timedelta(days=30), timedelta(hours=12), timedelta(hours=12)))[0]
    return Case(world.reseller_a_user, f"/account/sessions/{phone.id}/revoke",
                "Safari on iOS (10.0.0.7) is signed out at once",
                lambda: fresh(UserSession, phone.id).revoked_at is None, page="/account")


def sign_out_everywhere(world, request) -> Case:
    def live_sessions() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == world.reseller_a_user.id, UserSession.revoked_at.is_(None)))
    return Case(world.reseller_a_user, "/account/sessions/revoke-all",
                "Every browser signed in as you, this one included", live_sessions,
                page="/account")


def remove_country(world, request) -> Case:
    country_lists.ensure_seeded()
    entry = db.session.scalar(select(CountryListEntry).filter_by(list_name="k3", code="PL"))
    return Case(world.admin, f"/admin/country-lists/{entry.id}/delete",
                "Checkout stops applying “K3 · Tax ID (INN) required” to customers in Poland",
                lambda: fresh(CountryListEntry, entry.id) is not None,
                page="/admin/country-lists")


def remove_markup(world, request) -> Case:
    product_id = world.price.sku.product_id
    reseller = world.reseller_a
    db.session.add_all([ResellerMarkup(reseller_id=reseller.id, product_id=None,
                                       markup_percent=Decimal("10")),
                        ResellerMarkup(reseller_id=reseller.id, product_id=product_id,
                                       markup_percent=Decimal("5.5"))])
    db.session.commit()

    def markups() -> set:
        db.session.expire_all()
        return set(db.session.scalars(select(ResellerMarkup.product_id)
                                      .filter_by(reseller_id=reseller.id)))
    return Case(world.admin, f"/admin/catalog/markups/{reseller.id}/remove",
                "Reseller A pays your cost plus its default markup of 10 % for Microsoft "
                "365 Business Standard from now on", markups,
                {"product_id": str(product_id)}, page=f"/admin/catalog/markups/{reseller.id}")


def withdraw_tenant(world, request) -> Case:
    customer = world.customer_a
    customer.tenant_mode, customer.tenant_id = "existing", seed.TENANT_WITH_DAP_ID
    customer.verify_tenant("admin", utcnow())
    db.session.commit()
    return Case(world.admin, f"/customers/{customer.id}/tenant/withdraw",
                "its orders are refused (K11)",
                lambda: fresh(Customer, customer.id).tenant_verified,
                page=f"/customers/{customer.id}/tenant")


def buy_refused_lines(world, request) -> Case:
    from orders.models import Order
    from tests.provisioning.test_partial_retry import partly_provisioned

    order, _, _ = partly_provisioned(request.getfixturevalue("pc_client"))
    return Case(world.admin, f"/admin/orders/{order.id}/retry",
                "each line it accepts starts a new subscription",
                lambda: fresh(Order, order.id).status, page=f"/admin/orders/{order.id}")


CASES = {
    "stop selling": stop_selling,
    "suspend an enrollment": enrollment_to("suspended", "is suspended from today",
                                           reason="unpaid_overage"),
    "terminate an enrollment": enrollment_to("terminated", "is terminated from today"),
    "expire an enrollment": enrollment_to("expired", "can never be reactivated"),
    "autorenew off": autorenew_off,
    "remove licenses": remove_licenses,
    "cancel a subscription": cancel_subscription,
    "revoke an API token": revoke_token,
    "deactivate a user": deactivate_user,
    "revoke an invitation": revoke_invitation,
    "deactivate a reseller": deactivate_reseller,
    "deactivate a direct customer": deactivate_direct_customer,
    "withdraw admin agent": withdraw_admin_agent,
    "reset a user's two-factor": reset_mfa,
    "end a session": end_session,
    "sign out everywhere": sign_out_everywhere,
    "remove a country from a rule's list": remove_country,
    "withdraw a tenant link": withdraw_tenant,
    "remove a reseller's markup": remove_markup,
    "buy a partly provisioned order's refused lines again": buy_refused_lines,
}
# A reseller is deactivated by unticking Active and saving its form: no button to ask from.
IN_DIALOG = [name for name in CASES if name not in ("remove licenses", "cancel a subscription",
                                                    "deactivate a reseller")]


@pytest.fixture(params=CASES)
def case(request, world) -> Case:
    return CASES[request.param](world, request)


def unconfirmed_post(client, case: Case):
    return post_form(client, case.url, case.data or {}, token_url="/account")


def test_without_confirmation_nothing_happens_and_the_consequence_is_said(client, case,
                                                                         pc_responses):
    login(client, case.user)
    before = case.state()
    response = unconfirmed_post(client, case)
    assert response.status_code == 422
    assert case.says in html.unescape(response.get_data(as_text=True))
    assert case.state() == before
    assert patches(pc_responses) == []  # nothing was sent to Partner Center either


def test_confirming_on_the_confirmation_page_carries_the_action_out(client, case):
    login(client, case.user)
    before = case.state()
    page = unconfirmed_post(client, case).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(case.url)}"[^>]*>(.*?)</form>',
                     page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[1]))
    assert fields["confirm"] == "yes"
    response = client.post(case.url, data={k: html.unescape(v) for k, v in fields.items()})
    assert response.status_code == 302
    assert case.state() != before


@pytest.mark.parametrize("case", IN_DIALOG, indirect=True)
def test_the_button_names_the_consequence_for_the_dialog_and_looks_dangerous(client, case):
    login(client, case.user)
    page = client.get(case.page).get_data(as_text=True)
    forms = re.findall(rf'<form method="post" action="{re.escape(case.url)}"[^>]*>.*?</form>',
                       page, re.S)
    asking = [form for form in forms if case.says in html.unescape(form)]
    assert len(asking) == 1
    assert re.search(r'data-confirm="[^"]+" data-confirm-action="[^"]+"', asking[0])
    assert re.search(r'<button [^>]*class="[^"]*\bdanger\b', asking[0])


def test_a_json_client_is_told_the_field_and_the_fix(client, world):
    login(client, world.admin)
    product = world.price.sku.product
    response = client.post(f"/admin/catalog/{product.id}/toggle",
                           data={"csrf_token": csrf_token(client, "/account")},
                           headers={"Accept": "application/json"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "confirm" and "Send confirm=yes to go ahead." in error["detail"]
    assert fresh(Product, product.id).enabled


def test_the_harmless_direction_does_not_ask(client, world):
    product = world.price.sku.product
    product.enabled = False
    db.session.commit()
    login(client, world.admin)
    response = post_form(client, f"/admin/catalog/{product.id}/toggle", {},
                         token_url="/admin/catalog")
    assert response.status_code == 302 and fresh(Product, product.id).enabled
