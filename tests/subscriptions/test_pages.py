"""Subscription pages: scoping, the refund shown before confirming, S4/S7 for every role."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from persistence import db
from subscriptions import services
from subscriptions.entitlements import KeyEntry, record_key
from subscriptions.models import KeyAccess, Subscription
from tests.api.factories import make_subscription
from tests.conftest import csrf_token, login, post_form, served
from tests.subscriptions.conftest import (
    RED_HAT,
    SQL_SERVER,
    WINDOWS_SERVER,
    confirm_cancel,
    patches,
)
from tests.subscriptions.recorded_keys import KEY, entitlement_of, record_test_key

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def local_sub(customer, product, family="perpetual_software", key=True) -> Subscription:
    """A mirrored subscription with a key (no Partner Center call needed to reveal it)."""
    sub = Subscription(customer=customer, reseller_id=customer.reseller_id, product=product,
                       title=f"Software for {customer.company_name}", family=family,
                       billing_cycle="one_time", quantity=1, status="active")
    db.session.add(sub)
    db.session.commit()
    if key:
        record_test_key(sub)
    return sub


def users(world):
    return {"admin": world.admin, "reseller": world.reseller_a_user, "customer": world.direct_user}


def own_sub(world, role) -> Subscription:
    customer = world.direct if role == "customer" else world.customer_a
    return local_sub(customer, world.price.sku.product)


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", {"Alpha GmbH", "Beta GmbH", "Direct Ltd"}), ("reseller", {"Alpha GmbH"}),
    ("customer", {"Direct Ltd"})])
def test_each_role_lists_only_the_subscriptions_it_may_see(client, world, role, expected):
    for customer in (world.customer_a, world.customer_b, world.direct):
        local_sub(customer, world.price.sku.product, key=False)
    login(client, users(world)[role])
    body = client.get("/subscriptions").get_data(as_text=True)
    assert {name for name in ("Alpha GmbH", "Beta GmbH", "Direct Ltd")
            if f"Software for {name}" in body} == expected


def test_details_show_term_renewal_partner_center_ids_and_the_order_line(client, world, buy):
    sub = buy(quantity=3)
    login(client, world.reseller_a_user)
    body = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    for text in (sub.pc_subscription_id, sub.pc_order_id, sub.offer_id,
                 "1-month term · billed monthly", 'id="subscription-quantity">3<',
                 'id="subscription-autorenew">on<', "order line 1"):
        assert text in body


def test_s1_switching_autorenew_off_on_the_page_sends_the_full_resource(
        client, world, buy, pc_responses):
    sub = buy(quantity=3)
    login(client, world.reseller_a_user)
    response = post_form(client, f"/subscriptions/{sub.id}/autorenew",
                         {"autorenew": "off", "confirm": "yes"},
                         token_url=f"/subscriptions/{sub.id}")
    assert response.status_code == 302
    body = patches(pc_responses)[-1]
    assert body["autoRenewEnabled"] is False and body["quantity"] == 3
    assert "Autorenew switched off" in client.get(f"/subscriptions/{sub.id}").get_data(
        as_text=True)


def test_s2_adding_licenses_on_the_page_sends_the_buyer_to_the_cart(client, world, buy):
    sub = buy()
    login(client, world.reseller_a_user)
    response = post_form(client, f"/subscriptions/{sub.id}/licenses", {"quantity": "3"},
                         token_url=f"/subscriptions/{sub.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cart?customer={world.customer_a.id}")


def test_s2_removing_licenses_late_is_refused_on_the_page_with_its_code(client, world, buy):
    with time_machine.travel(START, tick=False) as clock:
        sub = buy(quantity=5)
        clock.move_to(START + timedelta(days=8))
        login(client, world.reseller_a_user)
        response = post_form(client, f"/subscriptions/{sub.id}/quantity",
                             {"quantity": "2", "confirm": "yes"},
                             token_url=f"/subscriptions/{sub.id}")
    assert response.status_code == 422
    assert 'data-code="S2.reduction_window_closed"' in response.get_data(as_text=True)


def test_s2_a_software_subscriptions_page_says_its_licenses_cannot_be_removed(
        client, world, buy):
    with time_machine.travel(START, tick=False) as clock:
        sub = buy(SQL_SERVER, "P1Y", "annual", quantity=4, family="software_subscription")
        clock.move_to(START + timedelta(days=1))
        login(client, world.reseller_a_user)
        body = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
        refused = post_form(client, f"/subscriptions/{sub.id}/quantity",
                            {"quantity": "3", "confirm": "yes"},
                            token_url=f"/subscriptions/{sub.id}")
    assert "Licenses can be removed until" not in body
    assert "licenses of a software subscription cannot be removed" in body.lower()
    assert "Cancel subscription" in body  # S3: cancelling inside 7 days is what it offers
    assert refused.status_code == 422
    assert 'data-code="S2.software_no_reduction"' in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "reseller", "customer"])
def test_s4_cancel_page_refuses_every_role_without_the_admin_agent_permission(
        client, world, role):
    sub = own_sub(world, role)
    login(client, users(world)[role])
    response = client.get(f"/subscriptions/{sub.id}/cancel")
    assert response.status_code == 403
    assert 'data-code="S4.admin_agent_required"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "reseller", "customer"])
def test_s4_cancel_page_opens_for_every_role_with_the_admin_agent_permission(
        client, world, role):
    sub = own_sub(world, role)
    users(world)[role].admin_agent = True
    db.session.commit()
    login(client, users(world)[role])
    response = client.get(f"/subscriptions/{sub.id}/cancel")
    assert response.status_code == 200 and "Confirm cancellation" in response.get_data(
        as_text=True)


def agent_signs_in(client, world):
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    login(client, world.reseller_a_user)


def test_s3_the_refund_is_shown_before_confirming_and_cancelling_refunds_it(
        client, world, buy, pc_sandbox):
    with time_machine.travel(START, tick=False) as clock:
        sub = buy(quantity=2)
        clock.move_to(START + timedelta(hours=167, minutes=59))
        agent_signs_in(client, world)
        page = client.get(f"/subscriptions/{sub.id}/cancel").get_data(as_text=True)
        assert 'id="refund">$19.35<' in page  # in the buyer's locale (en_US)
        response = confirm_cancel(client, sub.id, page)
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert response.status_code == 302
    assert pc_sandbox.data["subscriptions"][sub.pc_subscription_id]["wire"]["status"] == \
        "deleted"
    assert "Refund: $19.35" in shown


def test_s3_a_late_cancellation_is_refused_with_the_date_the_window_closed(client, world, buy):
    with time_machine.travel(START, tick=False) as clock:
        sub = buy()
        clock.move_to(START + timedelta(hours=168, minutes=1))
        agent_signs_in(client, world)
        response = client.get(f"/subscriptions/{sub.id}/cancel")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="S3.cancellation_window_closed"' in body and "2025-03-08 09:00" in body


@pytest.mark.parametrize("title", ["Red Hat Enterprise Linux Server", "SUSE Linux Enterprise"])
def test_s5_red_hat_and_suse_plans_refuse_cancellation_on_the_page(client, world, buy,
                                                                   pc_responses, title):
    sub = buy(RED_HAT, "P1Y", "annual", family="software_subscription", cancellable=False)
    sub.product.title = title
    db.session.commit()
    agent_signs_in(client, world)
    response = post_form(client, f"/subscriptions/{sub.id}/cancel", {},
                         token_url=f"/subscriptions/{sub.id}")
    assert response.status_code == 422
    assert 'data-code="S5.never_cancellable"' in response.get_data(as_text=True)
    assert patches(pc_responses) == []


@pytest.mark.parametrize("role", ["admin", "reseller", "customer"])
def test_s7_keys_are_hidden_from_every_role_without_the_admin_agent_permission(
        client, world, role):
    sub = own_sub(world, role)
    login(client, users(world)[role])
    response = post_form(client, f"/subscriptions/{sub.id}/key", {},
                         token_url=f"/subscriptions/{sub.id}")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert 'data-code="S7.admin_agent_required"' in body and sub.keys[0].product_key not in body
    assert client.get(f"/subscriptions/{sub.id}/download").status_code == 403
    assert post_form(client, f"/subscriptions/{sub.id}/download", {},
                     token_url=f"/subscriptions/{sub.id}").status_code == 403
    assert db.session.query(KeyAccess).count() == 0


@pytest.mark.parametrize("role", ["admin", "reseller", "customer"])
def test_s7_an_admin_agent_of_every_role_sees_the_key_and_the_reveal_is_logged(
        client, world, role):
    sub, user = own_sub(world, role), users(world)[role]
    user.admin_agent = True
    db.session.commit()
    login(client, user)
    response = post_form(client, f"/subscriptions/{sub.id}/key", {},
                         token_url=f"/subscriptions/{sub.id}")
    assert sub.keys[0].product_key in response.get_data(as_text=True)
    download = post_form(client, f"/subscriptions/{sub.id}/download", {},
                         token_url=f"/subscriptions/{sub.id}")
    assert download.headers["Location"] == sub.keys[0].download_url
    log = db.session.query(KeyAccess).order_by(KeyAccess.id).all()
    assert [(r.action, r.user_id, r.subscription_id) for r in log] == [
        ("reveal", user.id, sub.id), ("download", user.id, sub.id)]


def test_s7_a_download_link_opened_from_elsewhere_logs_nothing_until_the_agent_confirms(
        client, world):
    """Another site can make a signed-in agent's browser GET the link (an image, a link):
    that must not write a download to the key log. The page asks; its form (with the CSRF
    token) downloads and logs."""
    sub, user = own_sub(world, "reseller"), users(world)["reseller"]
    user.admin_agent = True
    db.session.commit()
    login(client, user)
    url = f"/subscriptions/{sub.id}/download?key={sub.keys[0].id}"
    page = client.get(url)
    assert page.status_code == 200 and db.session.query(KeyAccess).count() == 0
    assert 'method="post"' in page.get_data(as_text=True)
    forged = client.post(url)  # no CSRF token: another site's form
    assert forged.status_code == 400 and db.session.query(KeyAccess).count() == 0
    confirmed = post_form(client, url, {"key": str(sub.keys[0].id)})
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == sub.keys[0].download_url
    assert [r.action for r in db.session.query(KeyAccess)] == ["download"]


def test_s6_after_cancelling_perpetual_software_it_stays_listed_without_its_key(
        client, world, buy):
    with time_machine.travel(START, tick=False) as clock:
        sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
        key = record_test_key(sub).product_key
        clock.move_to(START + timedelta(days=30))
        agent_signs_in(client, world)
        assert confirm_cancel(client, sub.id).status_code == 302
        listed = client.get("/subscriptions").get_data(as_text=True)
        page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
        response = post_form(client, f"/subscriptions/{sub.id}/key", {},
                             token_url=f"/subscriptions/{sub.id}")
    assert sub.title in listed
    assert 'id="key-revoked"' in page and key not in page
    assert 'data-code="S6.key_revoked"' in response.get_data(as_text=True)


def test_s7_admins_filter_the_key_log_by_date_range_and_export_it(client, world):
    sub = own_sub(world, "reseller")
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    for day in (1, 10):
        with time_machine.travel(datetime(2025, 3, day, 12, tzinfo=UTC), tick=False):
            services.reveal_key(sub, world.reseller_a_user, "10.0.0.1")
    login(client, world.admin)
    page = client.get("/subscriptions/key-log?from=2025-03-05&to=2025-03-31")
    assert page.get_data(as_text=True).count("a@test.example") == 1
    export = served(client, "/subscriptions/key-log?from=2025-03-01&to=2025-03-01&format=csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["when_utc"], r["user"], r["action"]) for r in rows] == [
        ("2025-03-01 12:00:00", "a@test.example", "reveal")]


def _two_downloads(world) -> tuple[Subscription, list]:
    """A subscription with an en-US and a de-DE download, recorded as an admin does."""
    sub = local_sub(world.customer_a, world.price.sku.product, key=False)
    entitlement = entitlement_of(sub)
    keys = [record_key(entitlement, KeyEntry(KEY, f"https://download.example/{lang}.iso",
                                             "2022", lang, "ISO", "64-bit"), None)
            for lang in ("en-US", "de-DE")]
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    return sub, keys


def test_s7_the_key_log_names_the_download_each_entry_used(client, world):
    sub, (english, german) = _two_downloads(world)
    with time_machine.travel(datetime(2025, 3, 3, 12, tzinfo=UTC), tick=False):
        services.download_url(sub, world.reseller_a_user, key_id=german.id)
        services.reveal_key(sub, world.reseller_a_user, key_id=english.id)
    login(client, world.admin)
    page = client.get("/subscriptions/key-log").get_data(as_text=True)
    rows = page[page.index("<tbody>"):page.index("</tbody>")].split("<tr>")[1:]
    assert "download" in rows[1] and f"2022 · de-DE · ISO · 64-bit <small class=\"muted\">" \
        f"#{german.id}" in rows[1]
    assert "reveal" in rows[0] and "en-US" in rows[0] and "de-DE" not in rows[0]
    export = served(client, "/subscriptions/key-log?format=csv").get_data(as_text=True)
    listed = [(r["action"], r["key_id"], r["key"]) for r in csv.DictReader(io.StringIO(export))]
    assert listed == [("reveal", str(english.id), "2022 · en-US · ISO · 64-bit"),
                      ("download", str(german.id), "2022 · de-DE · ISO · 64-bit")]


def test_s7_a_malformed_key_log_date_is_named_with_its_fix(client, world):
    sub = own_sub(world, "reseller")
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    services.reveal_key(sub, world.reseller_a_user)
    login(client, world.admin)
    page = client.get("/subscriptions/key-log?from=garbage").get_data(as_text=True)
    assert "from: enter a date as YYYY-MM-DD, e.g. 2026-12-01 (got &#39;garbage&#39;)." in page
    assert 'name="from" value=""' in page  # the bad date is dropped, not kept as a filter


def test_s7_a_reversed_key_log_range_says_the_dates_are_swapped(client, world):
    login(client, world.admin)
    page = client.get("/subscriptions/key-log?from=2025-03-31&to=2025-03-01"
                      ).get_data(as_text=True)
    assert "to: the end date is before the start date; swap them." in page


def test_s7_the_key_log_range_is_the_viewers_calendar_days(client, world):
    """A reveal at 23:30 UTC on 4 March is on 5 March for an admin in Warsaw (UTC+1)."""
    world.admin.time_zone = "Europe/Warsaw"
    sub = own_sub(world, "reseller")
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    with time_machine.travel(datetime(2025, 3, 4, 23, 30, tzinfo=UTC), tick=False):
        services.reveal_key(sub, world.reseller_a_user)
    login(client, world.admin)
    on_the_5th = client.get("/subscriptions/key-log?from=2025-03-05&to=2025-03-05")
    on_the_4th = client.get("/subscriptions/key-log?from=2025-03-04&to=2025-03-04")
    assert on_the_5th.get_data(as_text=True).count("a@test.example") == 1
    assert "Nothing revealed or downloaded" in on_the_4th.get_data(as_text=True)


def test_a_provider_admin_grants_the_admin_agent_permission_from_the_reseller_page(
        client, world):
    login(client, world.admin)
    url = f"/admin/resellers/{world.reseller_a.id}"
    assert "Make admin agent" in client.get(url).get_data(as_text=True)
    response = client.post(f"/admin/users/{world.reseller_a_user.id}/admin-agent",
                           data={"admin_agent": "on", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and world.reseller_a_user.admin_agent is True
    client.post(f"/admin/users/{world.reseller_a_user.id}/admin-agent",
                data={"admin_agent": "off", "csrf_token": csrf_token(client, url),
                      "confirm": "yes"})
    assert world.reseller_a_user.admin_agent is False



def test_s2_a_buyer_raising_the_quantity_is_sent_through_the_cart_not_straight_to_partner_center(
        client, world, buy, pc_responses):
    sub = buy(quantity=2)
    login(client, world.reseller_a_user)
    response = post_form(client, f"/subscriptions/{sub.id}/quantity", {"quantity": "5"},
                         token_url=f"/subscriptions/{sub.id}")
    assert response.headers["Location"].endswith(f"/cart?customer={world.customer_a.id}")
    assert patches(pc_responses) == []
    cart = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'extra licenses for <a href="/subscriptions/{sub.id}">the subscription</a> (2 now)' \
        in cart


def test_s7_the_key_log_export_neutralises_spreadsheet_formulas(client, world):
    world.customer_a.company_name = "=HYPERLINK(\"http://evil\")"
    sub = own_sub(world, "reseller")
    world.reseller_a_user.admin_agent = True
    db.session.commit()
    services.reveal_key(sub, world.reseller_a_user)
    login(client, world.admin)
    rows = list(csv.DictReader(io.StringIO(served(client, "/subscriptions/key-log?format=csv")
                                           .get_data(as_text=True))))
    assert rows[0]["customer"].startswith("'=")


def test_a_provider_admin_grants_the_admin_agent_permission_to_a_direct_customers_user(
        client, world):
    login(client, world.admin)
    url = f"/admin/customers/{world.direct.id}"
    assert "Make admin agent" in client.get(url).get_data(as_text=True)
    response = client.post(f"/admin/users/{world.direct_user.id}/admin-agent",
                           data={"admin_agent": "on", "csrf_token": csrf_token(client, url)})
    assert response.headers["Location"].endswith(url)
    assert world.direct_user.admin_agent is True


def test_perpetual_software_shows_no_term_end(client, world, buy):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    sub.term_end = sub.term_start  # what Partner Center's commitment end says for these
    db.session.commit()
    agent_signs_in(client, world)
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert 'id="term-end">none: a perpetual licence' in page
    listed = client.get("/subscriptions").get_data(as_text=True)
    assert "<td>perpetual</td>" in listed


def test_a_refusal_asked_for_as_json_answers_with_the_shared_refusal_body(client, world):
    """storefront/errors.py maps every family's refusal the same way: a page asked for JSON
    gets what the API would answer (403 with the code for a missing permission)."""
    sub = own_sub(world, "reseller")
    login(client, users(world)["reseller"])
    response = client.get(f"/subscriptions/{sub.id}/cancel",
                          headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "S4.admin_agent_required"


def test_s3_a_cancelled_subscription_shows_when_it_was_cancelled_not_a_renewal(
        client, world, buy):
    """Cancelled, it neither renews nor runs to its term's end: the page says when it was
    cancelled, and has no term end, autorenew or renewal panel to suggest otherwise."""
    with time_machine.travel(START, tick=False) as clock:
        sub = buy(quantity=2)
        clock.move_to(START + timedelta(hours=1))
        agent_signs_in(client, world)
        assert confirm_cancel(client, sub.id).status_code == 302
        page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert '<dt>Cancelled</dt><dd id="cancelled-on">2025-03-01 10:00 UTC' in page
    assert "Term end / renewal" not in page and 'id="term-end"' not in page
    assert 'id="subscription-autorenew"' not in page
    assert 'id="renewal"' not in page and "<h2>Renewal</h2>" not in page


def test_a_subscription_cancelled_in_partner_center_says_so_without_inventing_a_date(
        client, world):
    sub = make_subscription(world.customer_a, world.price, 2, status="cancelled",
                            term_end=START + timedelta(days=30))
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{sub.id}").get_data(as_text=True)
    assert '<dt>Cancelled</dt><dd id="cancelled-on">in Partner Center' in page
    assert 'id="term-end"' not in page and 'id="renewal"' not in page
