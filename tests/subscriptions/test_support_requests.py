"""Cancellation by support request (S3, S5, S6): the form where online cancellation is
refused, the provider admins' queue, its steps to an answer, and who is told."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from accounts.models import Role
from accounts.services import new_user
from billing.models import Charge, ChargeType, Invoice
from billing.runs import run_billing
from notifications.models import OutboxEmail
from persistence import db
from subscriptions.support_models import SupportRequest
from tests.api.factories import make_subscription
from tests.conftest import PASSWORD, csrf_token, login, make_price, post_form

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VALID = {"reason": "The customer closed the branch this was bought for.",
         "amount": "120.50", "contact_name": "Ann Example",
         "contact_email": "a@test.example", "contact_phone": "+49 30 555 1000"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def late(world):
    """Customer A's monthly plan bought 8 days ago: past S3's 168 hours."""
    return make_subscription(world.customer_a, world.price, quantity=3,
                             purchased_at=START - timedelta(days=8))


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def form_of(sub) -> str:
    return f"/support-requests/new/{sub.id}"


def file(client, sub, **changes):
    return post_form(client, form_of(sub), VALID | changes, token_url=form_of(sub))


def mails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == address)))


def test_s3_a_plan_past_168_hours_offers_a_support_request_instead_of_a_dead_end(
        client, world, late):
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{late.id}").get_data(as_text=True)
    assert "S3.cancellation_window_closed" in page and form_of(late) in page


def test_s3_past_its_window_the_page_promises_no_online_refund_nor_removal(client, world,
                                                                          late):
    """The page offered "Cancelling now refunds …" and a Cancel button above the notice that
    it cannot be cancelled, and "Licenses can be removed until" a day already past."""
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{late.id}").get_data(as_text=True)
    assert 'id="refund"' not in page and "Cancelling now refunds" not in page
    assert f'href="/subscriptions/{late.id}/cancel"' not in page
    assert re.search(r'id="removal">No license can be removed now: only within 7 days of '
                     r'being added \(S2\)', page)


def test_s2_the_page_states_how_many_licenses_may_still_be_removed(client, world):
    fresh = make_subscription(world.customer_a, world.price, quantity=5, purchased_at=START)
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{fresh.id}").get_data(as_text=True)
    assert 'id="refund"' in page and f'href="/subscriptions/{fresh.id}/cancel"' in page
    assert re.search(r'id="removal">Licenses can be removed until 2026-03-09 09:00', page)

    # Partner Center's refundableQuantity: 2 seats added a day ago, the rest long ago.
    added = START - timedelta(days=1)
    fresh.refundable = json.dumps([
        {"quantity": 3, "until": (START - timedelta(days=30)).isoformat()},
        {"quantity": 2, "until": (added + timedelta(days=7)).isoformat()}])
    db.session.commit()
    page = client.get(f"/subscriptions/{fresh.id}").get_data(as_text=True)
    assert re.search(r'id="removal">Up to 2 licenses can be removed until 2026-03-08 09:00',
                     page)

    # Two tranches still open: each with its own end, soonest first, and stated once.
    fresh.refundable = json.dumps([
        {"quantity": 1, "until": (START + timedelta(days=3)).isoformat()},
        {"quantity": 2, "until": (added + timedelta(days=7)).isoformat()}])
    db.session.commit()
    page = client.get(f"/subscriptions/{fresh.id}").get_data(as_text=True)
    assert re.search(r'id="removal">Up to 3 licenses can be removed: 1 until 2026-03-05 '
                     r'09:00 UTC, 2 until 2026-03-08 09:00 UTC \(S2\)', page)
    assert page.count("can be removed") == 1


def test_s3_a_plan_still_in_its_window_is_cancelled_online_not_by_request(client, world):
    fresh = make_subscription(world.customer_a, world.price, purchased_at=START)
    login(client, world.reseller_a_user)
    assert form_of(fresh) not in client.get(f"/subscriptions/{fresh.id}").get_data(
        as_text=True)
    response = file(client, fresh)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/subscriptions/{fresh.id}")
    assert db.session.scalars(select(SupportRequest)).all() == []


def test_s5_red_hat_is_offered_a_support_request_on_its_first_day(client, world):
    price = make_price(title="Red Hat Enterprise Linux", product_id="DG7GMGF0FKZW",
                       cancellable=False)
    sub = make_subscription(world.customer_a, price, purchased_at=START)
    login(client, world.reseller_a_user)
    assert file(client, sub).status_code == 302
    assert db.session.scalars(select(SupportRequest.rule)).one() == "S5"


def test_s6_perpetual_software_past_30_days_is_offered_a_support_request(client, world):
    price = make_price(title="Windows Server", product_id="DG7GMGF0DWMS",
                       family="perpetual_software", term="", cycle="one_time")
    sub = make_subscription(world.direct, price, purchased_at=START - timedelta(days=31))
    login(client, world.direct_user)
    assert file(client, sub, contact_email=world.direct_user.email).status_code == 302
    assert db.session.scalars(select(SupportRequest.rule)).one() == "S6"


def test_s3_filing_names_every_field_to_fix_and_keeps_what_was_typed(client, world, late):
    login(client, world.reseller_a_user)
    response = file(client, late, reason="refund", amount="12.345", contact_name=" ",
                    contact_email="ann@", contact_phone="12")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for code in ("reason_required", "amount_invalid", "contact_name_required",
                 "contact_email_invalid", "contact_phone_invalid"):
        assert f'data-code="S3.support_{code}"' in page
    assert "Refund reason:" in page and "Amount requested: enter the refund" in page
    assert 'value="12.345"' in page and 'value="ann@"' in page
    assert db.session.scalars(select(SupportRequest)).all() == []


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "NaN", "1e3", "1000000000"])
def test_s3_an_amount_that_is_not_a_positive_sum_of_money_is_refused(client, world, late,
                                                                    amount):
    login(client, world.reseller_a_user)
    response = file(client, late, amount=amount)
    assert response.status_code == 422
    assert 'data-code="S3.support_amount_invalid"' in response.get_data(as_text=True)


def test_s3_filing_stores_the_request_and_tells_every_provider_admin(client, world, late):
    login(client, world.reseller_a_user)
    response = file(client, late)
    filed = db.session.scalars(select(SupportRequest)).one()
    assert response.headers["Location"].endswith(f"/support-requests/{filed.id}")
    assert (filed.status, filed.rule, filed.amount, filed.currency) == (
        "submitted", "S3", Decimal("120.50"), "USD")
    assert (filed.customer_id, filed.filed_by_id) == (world.customer_a.id,
                                                      world.reseller_a_user.id)
    [mail] = mails_to(world.admin.email)
    assert filed.number in mail.subject and "$120.50" in mail.body
    assert mails_to(world.reseller_a_user.email) == []
    assert late.events[-1].kind == "support_request"


def step(client, filed, status, **extra):
    url = f"/support-requests/{filed.id}"
    return post_form(client, f"{url}/status", {"status": status, **extra}, token_url=url)


@pytest.fixture
def filed(client, world, late):
    login(client, world.reseller_a_user)
    file(client, late)
    sign_out(client)
    login(client, world.admin)
    return db.session.scalars(select(SupportRequest)).one()


def test_the_admin_takes_it_to_an_answer_and_the_requester_is_emailed_each_step(
        client, world, filed):
    assert step(client, filed, "in_review").status_code == 302
    assert step(client, filed, "approved", answer="Refunded as a credit note.",
                confirm="yes").status_code == 302
    assert step(client, filed, "closed", confirm="yes").status_code == 302
    db.session.refresh(filed)
    assert (filed.status, filed.answer, filed.answered_by_id) == (
        "closed", "Refunded as a credit note.", world.admin.id)
    subjects = [m.subject for m in mails_to(world.reseller_a_user.email)]
    assert subjects == [f"Support request {filed.number}: {s}"
                        for s in ("In review", "Approved", "Closed")]
    assert "Refunded as a credit note." in mails_to(world.reseller_a_user.email)[1].body


def test_a_decision_needs_the_answer_the_requester_will_read(client, filed):
    step(client, filed, "in_review")
    response = step(client, filed, "approved", answer="  ")
    assert response.status_code == 422
    assert 'data-code="S3.support_answer_required"' in response.get_data(as_text=True)
    db.session.refresh(filed)
    assert filed.status == "in_review"


def test_a_step_out_of_order_is_refused(client, filed):
    response = step(client, filed, "approved", answer="Yes.")
    assert response.status_code == 422
    assert 'data-code="S3.support_step_not_allowed"' in response.get_data(as_text=True)
    db.session.refresh(filed)
    assert filed.status == "submitted"


def test_declining_asks_for_confirmation_before_telling_the_requester(client, world, filed):
    step(client, filed, "in_review")
    page = client.get(f"/support-requests/{filed.id}").get_data(as_text=True)
    assert f'data-confirm-action="Decline {filed.number}"' in page  # the in-page dialog
    asked = step(client, filed, "declined", answer="Outside the policy.")
    assert asked.status_code == 422 and f"Decline {filed.number}" in asked.get_data(
        as_text=True)
    db.session.refresh(filed)
    assert filed.status == "in_review"
    assert step(client, filed, "declined", answer="Outside the policy.",
                confirm="yes").status_code == 302
    db.session.refresh(filed)
    assert (filed.status, filed.answer) == ("declined", "Outside the policy.")


def test_the_requester_reads_the_answer_on_the_request_page(client, world, filed):
    step(client, filed, "in_review")
    step(client, filed, "approved", answer="Credit of 120.50 USD issued.", confirm="yes")
    sign_out(client)
    login(client, world.reseller_a_user)
    page = client.get(f"/support-requests/{filed.id}").get_data(as_text=True)
    assert "Credit of 120.50 USD issued." in page and "Approved" in page
    assert "Start review" not in page  # the steps are the admins'


def test_the_admin_queue_filters_by_status(client, filed):
    assert filed.number in client.get("/support-requests?status=submitted").get_data(
        as_text=True)
    assert filed.number not in client.get("/support-requests?status=closed").get_data(
        as_text=True)
    assert filed.number in client.get("/support-requests?status=bogus").get_data(
        as_text=True)  # an unknown status filters nothing out


def test_b3_an_approved_refund_is_credited_by_a_credit_note_of_the_invoice_that_charged_it(
        client, world, late, clock):
    """Approval only changed a status and sent an email: nothing reached billing."""
    run_billing("2026-02", START.date())  # February's charge, invoiced
    [invoice] = db.session.scalars(select(Invoice).where(Invoice.kind == "invoice"))
    login(client, world.reseller_a_user)
    file(client, late, amount="10.00")
    sign_out(client)
    login(client, world.admin)
    filed = db.session.scalars(select(SupportRequest)).one()
    step(client, filed, "in_review")
    asked = step(client, filed, "approved", answer="Agreed.")
    assert asked.status_code == 422  # money moves: the admin confirms first
    assert "refund of $10.00 is credited" in asked.get_data(as_text=True)
    assert step(client, filed, "approved", answer="Agreed.", confirm="yes").status_code == 302
    clock.move_to(datetime(2026, 4, 1, 6, tzinfo=UTC))
    run_billing("2026-03", date(2026, 4, 1))
    credit = db.session.scalars(select(Charge).where(
        Charge.source == f"support:{filed.id}")).one()
    assert (credit.charge_type, credit.amount, credit.subscription_id) == (
        ChargeType.CUSTOMER_CREDIT, Decimal("-10.00"), late.id)
    note = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).one()
    assert note.corrects_invoice_id == invoice.id
    assert [ln.charge_id for ln in note.lines] == [credit.id]
    run_billing("2026-03", date(2026, 4, 1))  # a run repeated credits nothing twice
    assert db.session.scalar(select(func.count()).select_from(Charge).where(
        Charge.source == f"support:{filed.id}")) == 1


def test_s3_approval_tells_the_requester_the_refund_and_that_the_plan_stays_active(
        client, world, filed):
    step(client, filed, "in_review")
    step(client, filed, "approved", answer="Agreed.", confirm="yes")
    body = mails_to(world.reseller_a_user.email)[-1].body
    assert "A refund of $120.50 is credited by the provider's next billing run" in body
    assert "stays active to its term's end; switch its autorenew off" in body
    page = client.get(f"/support-requests/{filed.id}").get_data(as_text=True)
    assert 'id="support-refund"' in page and f'href="/subscriptions/{filed.subscription_id}"' \
        in page


def test_s3_the_decline_email_says_no_refund_will_be_given_as_its_confirmation_did(
        client, world, filed):
    step(client, filed, "in_review")
    asked = step(client, filed, "declined", answer="Outside the policy.")
    assert "that no refund will be given" in asked.get_data(as_text=True)
    step(client, filed, "declined", answer="Outside the policy.", confirm="yes")
    body = mails_to(world.reseller_a_user.email)[-1].body
    assert "is now declined. No refund will be given." in body
    assert db.session.scalar(select(func.count()).select_from(Charge)) == 0


def colleague(email: str, **company):
    """Someone else who signs in here for a company (reseller= or customer=)."""
    role = Role.RESELLER_USER if "reseller" in company else Role.CUSTOMER_USER
    user = new_user(email, PASSWORD, role, name="Ann Example", **company)
    db.session.add(user)
    db.session.commit()
    return user


def first_step(client, world, late, contact: str):
    """File as reseller A's user naming this contact, and take the request to review."""
    login(client, world.reseller_a_user)
    assert file(client, late, contact_email=contact).status_code == 302
    sign_out(client)
    login(client, world.admin)
    step(client, db.session.scalars(select(SupportRequest)).one(), "in_review")


@pytest.mark.parametrize("company", ["reseller_a", "customer_a"])
def test_each_step_is_emailed_to_a_contact_who_signs_in_for_the_requester_or_its_customer(
        client, world, late, company):
    """The requester's colleagues, and the people of the customer it files for, read the
    request here too: either may be the one the provider answers."""
    role = "reseller" if company == "reseller_a" else "customer"
    colleague("ann@alpha.example", **{role: getattr(world, company)})
    first_step(client, world, late, "Ann@Alpha.example")
    [mail] = mails_to("ann@alpha.example")
    filed = db.session.scalars(select(SupportRequest)).one()
    assert mail.subject == f"Support request {filed.number}: In review"
    assert len(mails_to(world.reseller_a_user.email)) == 1


def test_each_step_is_emailed_to_the_resellers_contact_address_on_file(client, world, late):
    """The provider's admins keep it (the reseller cannot change it): it is the reseller's."""
    world.reseller_a.contact_email = "Office@Reseller-A.example"
    db.session.commit()
    first_step(client, world, late, "office@reseller-a.example")
    assert len(mails_to("office@reseller-a.example")) == 1


@pytest.mark.parametrize("contact", [
    "victim@elsewhere.example",  # anyone at all
    "b@test.example",  # another reseller's user
    "ada@example.com",  # the customer's own contact address on file: anyone may type it
])
def test_s3_a_contact_email_that_is_not_the_requesters_companys_is_refused_and_kept(
        client, world, late, contact):
    """Every step emailed the address typed: anyone signed in made the provider's mail
    server write to any address, in the provider's name."""
    login(client, world.reseller_a_user)
    response = file(client, late, contact_email=contact)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="S3.support_contact_email_not_ours"' in page
    assert "Contact email: enter the address of someone who signs in here for Reseller A " \
           "or Alpha GmbH" in page and "have it invited to your team first" in page
    assert f'value="{contact}"' in page and 'value="120.50"' in page  # all kept
    assert "Yours, or that of someone else who signs in here" in page  # said before too
    assert db.session.scalars(select(SupportRequest)).all() == []
    assert mails_to(contact) == []


def test_s3_a_deactivated_colleague_is_no_contact(client, world, late):
    colleague("gone@reseller-a.example", reseller=world.reseller_a).active = False
    db.session.commit()
    login(client, world.reseller_a_user)
    response = file(client, late, contact_email="gone@reseller-a.example")
    assert response.status_code == 422
    assert 'data-code="S3.support_contact_email_not_ours"' in response.get_data(as_text=True)


def test_a_contact_that_is_no_longer_the_companys_is_not_emailed(client, world, late):
    """A request filed before the form checked its contact (or whose contact has left since)
    is answered to the requester only."""
    filed = SupportRequest(
        subscription=late, customer_id=late.customer_id, reseller_id=late.reseller_id,
        filed_by=world.reseller_a_user, rule="S3", reason="Bought for a branch now closed.",
        amount=Decimal("10.00"), currency="USD", contact_name="Mallory",
        contact_email="victim@elsewhere.example", contact_phone="+44 20 7946 0000")
    db.session.add(filed)
    db.session.commit()
    login(client, world.admin)
    assert step(client, filed, "in_review").status_code == 302
    assert mails_to("victim@elsewhere.example") == []
    assert len(mails_to(world.reseller_a_user.email)) == 1


def test_a_contact_who_is_the_requester_is_emailed_once(client, world, late):
    login(client, world.reseller_a_user)
    file(client, late, contact_email=world.reseller_a_user.email.upper())
    sign_out(client)
    login(client, world.admin)
    step(client, db.session.scalars(select(SupportRequest)).one(), "in_review")
    assert len(mails_to(world.reseller_a_user.email)) == 1
    assert mails_to(world.reseller_a_user.email.upper()) == []


def test_b3_a_second_request_while_one_is_open_is_refused_and_keeps_what_was_typed(
        client, world, late):
    login(client, world.reseller_a_user)
    file(client, late)
    first = db.session.scalars(select(SupportRequest)).one()
    again = file(client, late, reason="Sent again from a second tab.")
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert 'data-code="S3.support_request_open"' in page
    assert f"Support request {first.number} for this subscription is submitted" in page
    assert "Sent again from a second tab." in page
    assert db.session.scalars(select(SupportRequest)).all() == [first]


def test_b3_once_the_open_request_is_answered_another_may_be_filed(client, world, filed):
    step(client, filed, "in_review")
    step(client, filed, "declined", answer="The branch was not closed.", confirm="yes")
    sign_out(client)
    login(client, world.reseller_a_user)
    assert file(client, filed.subscription, reason="It closed after all.").status_code == 302
    assert len(db.session.scalars(select(SupportRequest)).all()) == 2
