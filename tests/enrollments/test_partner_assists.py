"""The partner assists (O6, O8): "pricing and order form will be provided and assist to submit
by indirect partners"; "your partner will assist customer in Renew, Suspension, Termination,
and reactivation", but "the Re-active request will be completed by 21V support team"."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accounts.models import Role
from accounts.services import new_user
from commitments.enrollment import Document, Status
from commitments.records import services
from commitments.records.models import Enrollment, SentNotice
from persistence import db
from tests.conftest import PASSWORD, csrf_token
from tests.enrollments.conftest import SIGNED_ON, at, notifications, post_action


@pytest.fixture
def customer_user(world):
    """A user of reseller A's customer, whose enrollment the fixtures create."""
    user = new_user("it@alpha.example", PASSWORD, Role.CUSTOMER_USER, customer=world.customer_a)
    db.session.add(user)
    db.session.commit()
    return user


def test_pricing_and_order_form_will_be_provided_and_assist_to_submit_by_indirect_partners(
    client, world, draft
):
    with at(SIGNED_ON, client, world.reseller_a_user):
        for document in Document:
            response = post_action(client, draft, "sign", {
                "document": document.value, "signed_by": "Li Wei", "signed_on": "2025-03-20"})
            assert response.status_code == 302
        response = post_action(client, draft, "orders", {
            "order_kind": "initial", "order_year": "1", "order_amount": "60000"})
        assert response.status_code == 302
        assert post_action(client, draft, "status", {"target": "credit_check"}).status_code == 302
        # The credit decision and the contract becoming effective stay with the provider.
        refused = post_action(client, draft, "status", {"target": "active"})
        assert refused.status_code == 422 and "O6.action_not_yours" in refused.get_data(True)
        assert post_action(client, draft, "credit-checks", {
            "check_year": "1", "check_passed": "yes"}).status_code == 403
    row = db.session.get(Enrollment, draft.id)
    assert len(row.documents) == 4 and [o.amount_excl_tax for o in row.orders] == [60000]
    assert row.status == Status.CREDIT_CHECK


def test_your_partner_will_assist_customer_in_suspension_and_termination_but_not_reactivation(
    client, world, active
):
    with at(date(2025, 6, 1), client, world.reseller_a_user):
        response = post_action(client, active, "status", {
            "target": "suspended", "reason": "unpaid_overage", "confirm": "yes"})
        assert response.status_code == 302
        assert db.session.get(Enrollment, active.id).status == Status.SUSPENDED
        refused = post_action(client, active, "status", {
            "target": "active", "resolved_on": "2025-06-01", "confirm": "yes"})
        assert refused.status_code == 422
        assert "O8.reactivation_by_provider_only" in refused.get_data(as_text=True)
        assert db.session.get(Enrollment, active.id).status == Status.SUSPENDED


def test_the_partner_requests_reactivation_and_the_provider_completes_it(
    client, browser, world, active
):
    services.change_status(active, Status.SUSPENDED, date(2025, 6, 1),
                           reason=services.SuspensionReason.UNPAID_OVERAGE)
    before = notifications(world.admin)
    with at(date(2025, 6, 2), client, world.reseller_a_user):
        response = client.post(f"/enrollments/{active.id}/reactivation-request",
                               data={"csrf_token": _token(client, active)})
        assert response.status_code == 302
    assert notifications(world.admin) == before + 1
    kinds = db.session.scalars(select(SentNotice.kind)).all()
    assert "reactivation_request" in kinds
    admin = browser()
    with at(date(2025, 6, 3), admin, world.admin):
        response = post_action(admin, active, "status", {
            "target": "active", "resolved_on": "2025-06-02", "confirm": "yes"})
        assert response.status_code == 302
    db.session.expire_all()  # the admin's browser committed in its own session
    assert db.session.get(Enrollment, active.id).status == Status.ACTIVE


def test_customers_have_no_right_do_the_re_active_by_themselves(
    client, world, active, customer_user
):
    services.change_status(active, Status.SUSPENDED, date(2025, 6, 1),
                           reason=services.SuspensionReason.UNPAID_OVERAGE)
    with at(date(2025, 6, 2), client, customer_user):
        response = post_action(client, active, "status", {
            "target": "active", "resolved_on": "2025-06-01", "confirm": "yes"})
        assert response.status_code == 403
        assert post_action(client, active, "orders", {
            "order_kind": "additional", "order_year": "1",
            "order_amount": "1000"}).status_code == 403
    assert db.session.get(Enrollment, active.id).status == Status.SUSPENDED


def test_the_enrollment_page_shows_each_role_its_actions(browser, world, active, customer_user):
    url, forms = f"/enrollments/{active.id}", f"/admin/enrollments/{active.id}/"
    pages = {}
    for user in (world.admin, world.reseller_a_user, customer_user):
        client = browser()
        with at(date(2025, 6, 1), client, user):
            pages[user.role] = client.get(url).get_data(as_text=True)
    admin, partner, customer = (pages[Role.PROVIDER_ADMIN], pages[Role.RESELLER_USER],
                                pages[Role.CUSTOMER_USER])
    assert forms + "credit-checks" in admin and forms + "usage" in admin
    assert forms + "orders" in partner and f"{url}/renewal" in partner
    assert forms + "credit-checks" not in partner and forms + "usage" not in partner
    assert forms + "orders" not in customer and f"{url}/renewal" not in customer
    for page in (admin, partner, customer):  # the whole table, with what is the user's
        assert 'data-testid="who-reactivate"' in page
    # 16 assisted actions, and the partner's own terms and VAT invoices (O6).
    assert partner.count('<span class="badge ok">yours</span>') == 18
    assert customer.count('<span class="badge ok">yours</span>') == 2



def _token(client, row) -> str:
    return csrf_token(client, f"/enrollments/{row.id}")
