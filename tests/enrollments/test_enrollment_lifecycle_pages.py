"""Creating and activating an enrollment through the pages (O1, O4, O7, O8)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from commitments.enrollment import Document, Status
from commitments.records import services
from commitments.records.models import Enrollment
from persistence import db
from tests.conftest import login, post_form
from tests.enrollments.conftest import (
    ENTERPRISE_CODES,
    START,
    activate,
    at,
    mainland_enterprise,
    post_action,
)


def test_creating_an_enrollment_numbers_it_v570_and_makes_the_reseller_the_partner(
    admin_client, world
):
    mainland_enterprise(world.customer_a)
    mainland_enterprise(world.direct, ENTERPRISE_CODES[1])
    data = {"customer_id": world.customer_a.id, "start": "2025-04-01",
            "org_id": "li.wei@alpha.partner.omschina.cn"}
    response = post_form(admin_client, "/admin/enrollments/new", data)
    assert response.status_code == 302
    row = db.session.scalars(select(Enrollment)).one()
    assert row.number == "V5700001" and row.status == Status.DRAFT
    assert row.partner_reseller_id == world.reseller_a.id and row.end == date(2028, 3, 31)
    post_form(admin_client, "/admin/enrollments/new",
              {"customer_id": world.direct.id, "start": "2025-05-01",
               "org_id": "it@direct.partner.omschina.cn"})
    direct = db.session.scalars(select(Enrollment).where(Enrollment.customer_id ==
                                                         world.direct.id)).one()
    assert direct.number == "V5700002" and direct.partner_id == "provider"


def test_creating_an_enrollment_needs_a_customer_and_a_start(admin_client, world):
    response = post_form(admin_client, "/admin/enrollments/new", {"customer_id": "0"})
    assert response.status_code == 422
    assert db.session.scalars(select(Enrollment)).first() is None


def test_activation_is_refused_without_the_four_documents_the_order_and_a_credit_check(
    admin_client, world, draft
):
    post_action(admin_client, draft, "status", {"target": "credit_check"})
    response = post_action(admin_client, draft, "status", {"target": "active"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for code in ("O1.document_unsigned", "O1.missing_initial_commitment",
                 "O4.credit_check_required"):
        assert code in body
    assert body.count("O1.document_unsigned") >= 4  # one per unsigned document
    assert db.session.get(Enrollment, draft.id).status == Status.CREDIT_CHECK


def test_a_failed_credit_check_refuses_activation_with_its_code(client, world, draft):
    with at(date(2025, 3, 20), client, world.admin):
        for document in Document:
            post_action(client, draft, "sign", {"document": document.value,
                                                       "signed_by": "Wang Fang",
                                                       "signed_on": "2025-03-18"})
        post_action(client, draft, "orders", {"order_kind": "initial", "order_year": "1",
                                                    "order_amount": "60000"})
        post_action(client, draft, "status", {"target": "credit_check"})
        post_action(client, draft, "credit-checks", {"check_year": "1",
                                                           "check_passed": "no"})
        response = post_action(client, draft, "status", {"target": "active"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "O4.credit_check_failed" in body
    assert "O1.document_unsigned" not in body and "O1.missing_initial_commitment" not in body


def test_create_sign_order_credit_check_and_activate_through_the_pages(client, world, draft):
    with at(date(2025, 3, 20), client, world.admin):
        for document in Document:
            post_action(client, draft, "sign", {"document": document.value,
                                                       "signed_by": "Wang Fang",
                                                       "signed_on": "2025-03-18"})
        post_action(client, draft, "orders", {"order_kind": "initial", "order_year": "1",
                                                    "order_amount": "50000"})
        post_action(client, draft, "status", {"target": "credit_check"})
        post_action(client, draft, "credit-checks", {"check_year": "1",
                                                           "check_passed": "yes"})
        response = post_action(client, draft, "status", {"target": "active"})
        assert response.status_code == 302
        page = client.get(f"/enrollments/{draft.id}").get_data(as_text=True)
    row = db.session.get(Enrollment, draft.id)
    assert row.status == Status.ACTIVE and row.status_since == date(2025, 3, 20)
    assert {d.signed_by for d in row.documents} == {"Wang Fang"} and len(row.documents) == 4
    assert "Wang Fang, 2025-03-18" in page and 'data-testid="status">active' in page


def test_the_year_1_order_of_49999_99_is_refused_and_50000_accepted_through_the_page(
    client, world, draft
):
    with at(date(2025, 3, 20), client, world.admin):
        low = post_action(client, draft, "orders", {
            "order_kind": "initial", "order_year": "1", "order_amount": "49999.99"})
        assert low.status_code == 422
        body = low.get_data(as_text=True)
        assert "O1.below_minimum_commitment" in body
        assert 'value="49999.99"' in body  # what was typed is kept
        assert draft.orders == []
        ok = post_action(client, draft, "orders", {
            "order_kind": "initial", "order_year": "1", "order_amount": "50000"})
    assert ok.status_code == 302
    saved = db.session.get(Enrollment, draft.id).orders
    assert [(o.kind, str(o.amount_excl_tax)) for o in saved] == [("initial", "50000.0000")]


def test_an_order_is_invoiced_by_the_partner_with_a_30_day_term(world, active):
    invoice = active.invoices[0]
    assert invoice.issued_by == f"reseller:{world.reseller_a.id}"
    assert invoice.kind == "commitment" and invoice.amount_excl_tax == 100000
    assert (invoice.due_on - invoice.issued_on).days == 30 and invoice.paid_on is None


def test_suspension_needs_a_reason_and_reactivation_needs_payment_first(
    client, world, active
):
    with at(date(2025, 9, 1), client, world.admin):
        response = post_action(client, active, "status",
                               {"target": "suspended", "confirm": "yes"})
        assert "O8.suspension_reason_required" in response.get_data(as_text=True)
        post_action(client, active, "status",
                    {"target": "suspended", "reason": "unpaid_overage", "confirm": "yes"})
        assert active.status == Status.SUSPENDED
        refused = post_action(client, active, "status", {"target": "active"})
        assert refused.status_code == 422
        assert "O8.reactivation_needs_payment_or_order" in refused.get_data(as_text=True)
        ok = post_action(client, active, "status",
                         {"target": "active", "resolved_on": "2025-08-30"})
    assert ok.status_code == 302 and db.session.get(Enrollment, active.id).status == "active"


def test_a_stopped_enrollment_shows_when_its_data_is_deprovisioned(client, world, active):
    with at(date(2025, 9, 1), client, world.admin):
        post_action(client, active, "status", {"target": "terminated", "confirm": "yes"})
        page = client.get(f"/enrollments/{active.id}").get_data(as_text=True)
    assert 'data-testid="deprovision-on">2025-11-30' in page  # 90 days after 1 September


def test_the_enrollment_list_filters_by_status(admin_client, world, active):
    services.create_enrollment(mainland_enterprise(world.direct, ENTERPRISE_CODES[1]), START)
    body = admin_client.get("/enrollments?status=draft").get_data(as_text=True)
    assert "V5700002" in body and "V5700001" not in body
    body = admin_client.get("/enrollments").get_data(as_text=True)
    assert "V5700001" in body and "V5700002" in body


def test_a_reseller_sees_its_customers_enrollment_with_the_partners_actions_not_another_resellers(
    client, world, active
):
    other = activate(services.create_enrollment(
        mainland_enterprise(world.customer_b, ENTERPRISE_CODES[2]), START), world.admin)
    login(client, world.reseller_b_user)
    assert client.get(f"/enrollments/{active.id}").status_code == 404
    page = client.get(f"/enrollments/{other.id}").get_data(as_text=True)
    # O6: the partner submits the order form; usage metering stays with the provider.
    assert other.number in page and f"/admin/enrollments/{other.id}/usage" not in page
    assert f"/admin/enrollments/{other.id}/orders" in page
    listing = client.get("/enrollments").get_data(as_text=True)
    assert other.number in listing and active.number not in listing
    response = post_action(client, other, "usage", {"used_on": "2025-05-01", "quantity": "1",
                                                     "meter": "Compute"})
    assert response.status_code == 403 and other.usage == []
