"""K9: a reseller's standing (MPN ID valid, Microsoft Partner Agreement accepted, listed as
our indirect reseller) is only ever what Partner Center answered. The admin's reseller form
once let the provider pick "Verified", which checkout then trusted for a day without asking;
and a changed MPN ID kept the old one's verified standing."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.partner_center.sandbox import seed
from persistence import db
from tests.checkout.test_place_order import place
from tests.conftest import login, post_form


def _form(reseller, **changes) -> dict:
    return {"company_name": reseller.company_name, "mpn_id": reseller.mpn_id,
            "contact_name": "Ada", "contact_email": "ada@example.com", "active": "y",
            **changes}


def _signed_in(browser, user):
    client = browser()
    login(client, user)
    return client


def test_k9_the_admin_form_cannot_declare_a_reseller_verified(browser, world, fresh):
    reseller = world.reseller_a
    reseller.mpn_id = seed.RESELLER_MPN_ID_NO_MPA  # Microsoft: MPA not accepted
    reseller.mpa_status, reseller.mpa_checked_at = "not_accepted", datetime.now(UTC)
    db.session.commit()
    admin = _signed_in(browser, world.admin)
    page = admin.get(f"/admin/resellers/{reseller.id}").get_data(as_text=True)
    assert 'name="mpa_status"' not in page and 'id="standing-mpa"' in page
    post_form(admin, f"/admin/resellers/{reseller.id}", _form(reseller, mpa_status="verified"))
    db.session.refresh(reseller)
    assert reseller.mpa_status == "not_accepted"
    reseller_user = _signed_in(browser, world.reseller_a_user)
    assert 'data-code="K9.mpa_not_signed"' in place(reseller_user, fresh).get_data(
        as_text=True)


def test_k9_a_new_mpn_id_is_asked_about_before_its_next_order(browser, world, fresh):
    reseller = world.reseller_a
    reseller.mpa_status, reseller.mpa_checked_at = "verified", datetime.now(UTC)
    db.session.commit()
    admin = _signed_in(browser, world.admin)
    post_form(admin, f"/admin/resellers/{reseller.id}",
              _form(reseller, mpn_id=seed.RESELLER_MPN_ID_NO_MPA))
    db.session.refresh(reseller)
    assert (reseller.mpn_id, reseller.mpa_status, reseller.mpa_checked_at, reseller.listed) \
        == (seed.RESELLER_MPN_ID_NO_MPA, "unknown", None, None)
    reseller_user = _signed_in(browser, world.reseller_a_user)
    assert 'data-code="K9.mpa_not_signed"' in place(reseller_user, fresh).get_data(
        as_text=True)


def test_k9_the_admin_asks_microsoft_at_once_and_reads_its_answer(browser, world,
                                                                   pc_sandbox):
    reseller = world.reseller_a
    reseller.mpn_id, reseller.mpa_checked_at = seed.RESELLER_MPN_ID_NO_MPA, None
    db.session.commit()
    admin = _signed_in(browser, world.admin)
    asked = post_form(admin, f"/admin/resellers/{reseller.id}/standing", {},
                      token_url=f"/admin/resellers/{reseller.id}")
    db.session.refresh(reseller)
    assert reseller.mpa_status == "not_accepted"
    page = admin.get(asked.headers["Location"]).get_data(as_text=True)
    assert "its orders are refused until it is" in page
    pc_sandbox.data["mpn"][seed.RESELLER_MPN_ID_NO_MPA]["mpaSigned"] = True  # accepted now
    post_form(admin, f"/admin/resellers/{reseller.id}/standing", {},
              token_url=f"/admin/resellers/{reseller.id}")
    db.session.refresh(reseller)
    assert reseller.mpa_status == "verified"
    page = admin.get(f"/admin/resellers/{reseller.id}").get_data(as_text=True)
    assert '<span class="badge ok">verified</span>' in page


def test_k9_when_partner_center_does_not_answer_the_admin_is_told_so(browser, world,
                                                                     pc_sandbox):
    reseller = world.reseller_a
    reseller.mpa_status, reseller.mpa_checked_at = "verified", datetime.now(UTC)
    db.session.commit()
    pc_sandbox.add_fault("error", "*", status=403, count=None)
    admin = _signed_in(browser, world.admin)
    asked = post_form(admin, f"/admin/resellers/{reseller.id}/standing", {},
                      token_url=f"/admin/resellers/{reseller.id}")
    page = admin.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Partner Center did not answer" in page and "can order" not in page
    db.session.refresh(reseller)
    assert reseller.mpa_status == "verified"  # its last answer, shown as such
