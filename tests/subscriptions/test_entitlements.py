"""S6/S7: entitlements mirrored from Partner Center; keys and downloads recorded by admins
against them (pasted or imported), checked against the product's delivery, revealed per
download to admin agents only, and revoked when Partner Center stops listing them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from persistence import db
from subscriptions import services
from subscriptions.entitlements import KeyEntry, KeysRefused, mirror_entitlements, record_key
from subscriptions.errors import SubscriptionRefused
from subscriptions.key_import import import_keys
from subscriptions.models import Entitlement, KeyAccess, SoftwareKey
from tests.api.factories import make_subscription
from tests.conftest import csrf_from, csrf_token, login, post_form
from tests.subscriptions.conftest import WINDOWS_SERVER
from tests.subscriptions.recorded_keys import KEY, LINK, entitlement_of

OTHER_KEY = "M3TX9-KQ7BD-2HWPR-8CJV4-YF6GT"


@pytest.fixture
def software(world):
    """Customer A's perpetual Windows Server subscription and its entitlement."""
    product = world.price.sku.product
    product.family = "perpetual_software"
    sub = make_subscription(world.customer_a, world.price, tenant_id="tenant-a",
                            pc_order_id="order-1")
    return entitlement_of(sub)


def codes(caught) -> set[str]:
    return set(caught.value.codes)


def test_s7_a_recorded_key_is_stored_against_its_entitlement_and_subscription(
        software, world):
    key = record_key(software, KeyEntry(f"  {KEY} ", LINK, "2022", "en-US", "ISO", "64-bit"),
                     world.admin)
    assert (key.product_key, key.entitlement_id, key.subscription_id) == (
        KEY, software.id, software.subscription_id)
    assert key.choices == "2022 · en-US · ISO · 64-bit" and key.recorded_by == world.admin
    [event] = software.subscription.events
    assert event.kind == "key_recorded" and KEY not in event.note
    assert event.note.endswith(": 2022 · en-US · ISO · 64-bit.")  # which of its keys


@pytest.mark.parametrize(("entry", "code"), [
    (KeyEntry(), "S7.key_or_download_required"),
    (KeyEntry(product_key="not a key!"), "S7.key_format"),
    (KeyEntry(download_url="javascript:alert(1)"), "S7.download_link_format"),
    (KeyEntry(download_url="http://download.example/x.iso"), "S7.download_link_format"),
    (KeyEntry(product_key=KEY, os="x" * 41), "S7.choice_too_long"),
])
def test_s7_a_key_or_link_not_as_partner_center_shows_it_is_refused(software, world, entry,
                                                                     code):
    with pytest.raises(KeysRefused) as caught:
        record_key(software, entry, world.admin)
    assert code in codes(caught)
    assert db.session.scalar(select(SoftwareKey)) is None


@pytest.mark.parametrize(("delivery", "entry", "code"), [
    ("download", KeyEntry(product_key=KEY), "S7.key_not_delivered"),
    ("key", KeyEntry(product_key=KEY, download_url=LINK), "S7.download_not_delivered"),
    ("none", KeyEntry(product_key=KEY), "S7.nothing_delivered"),
])
def test_s7_the_products_delivery_flag_decides_what_may_be_recorded(
        software, world, delivery, entry, code):
    software.subscription.product.delivery = delivery
    with pytest.raises(KeysRefused) as caught:
        record_key(software, entry, world.admin)
    assert codes(caught) == {code}


def test_s7_an_admin_agent_reveals_and_downloads_the_chosen_language_each_logged(
        software, world):
    english = record_key(software, KeyEntry(KEY, LINK, language="en-US"), world.admin)
    german = record_key(software, KeyEntry(OTHER_KEY, LINK.replace("en-us", "de-de"),
                                           language="de-DE"), world.admin)
    world.reseller_a_user.admin_agent = True
    sub = software.subscription
    assert services.reveal_key(sub, world.reseller_a_user, key_id=german.id).product_key == \
        OTHER_KEY
    assert services.download_url(sub, world.reseller_a_user, key_id=english.id) == LINK
    log = db.session.scalars(select(KeyAccess).order_by(KeyAccess.id)).all()
    assert [(r.action, r.key_id) for r in log] == [("reveal", german.id),
                                                   ("download", english.id)]


def test_s7_a_download_only_record_has_no_key_to_reveal(software, world):
    record_key(software, KeyEntry(download_url=LINK), world.admin)
    world.reseller_a_user.admin_agent = True
    with pytest.raises(SubscriptionRefused) as caught:
        services.reveal_key(software.subscription, world.reseller_a_user)
    assert caught.value.code == "S7.no_key"
    assert db.session.scalar(select(KeyAccess)) is None


def test_s7_a_csv_import_records_every_row_by_entitlement_or_order_line(software, world):
    text = ("entitlement,order_id,line_item,key,download_link,version,language,file_type,os\n"
            f"{software.id},,,{KEY},{LINK},2022,en-US,ISO,64-bit\n"
            f",order-1,0,{OTHER_KEY},,,,,\n")
    assert import_keys(text, world.admin) == (2, 0)  # recorded, already recorded
    assert sorted(k.product_key for k in software.keys) == sorted([KEY, OTHER_KEY])


def test_s7_a_csv_with_one_bad_row_records_nothing_and_names_each_row(software, world):
    text = ("Entitlement,Key,Download_Link\n"
            f"{software.id},{KEY},{LINK}\n"
            f"{software.id},,ftp://x\n"
            "999999,AAAAA-BBBBB,\n")
    with pytest.raises(KeysRefused) as caught:
        import_keys(text, world.admin)
    assert [(p.code, p.line) for p in caught.value.problems] == [
        ("S7.download_link_format", 3), ("S7.csv_unknown_entitlement", 4)]
    assert caught.value.problems[0].message.startswith("Row 3:")
    assert db.session.scalar(select(SoftwareKey)) is None


# Past the database's integer; past the 4,300 digits int() reads (a 500 until session 53).
@pytest.mark.parametrize("number", ["99999999999999999999", "9" * 5000])
def test_s7_a_huge_entitlement_number_is_refused_naming_its_row(client, software, world, number):
    with pytest.raises(KeysRefused) as caught:
        import_keys(f"entitlement,key\n{software.id},{KEY}\n{number},{KEY}\n", world.admin)
    assert [(p.code, p.line, p.field) for p in caught.value.problems] == [
        ("S7.csv_unknown_entitlement", 3, "entitlement")]
    login(client, world.admin)
    answer = _upload(client, f"entitlement,key\n{number},AAAAA-BBBBB\n")
    assert answer.status_code == 422
    assert 'data-code="S7.csv_unknown_entitlement"' in answer.get_data(as_text=True)


def test_s7_a_csv_without_the_needed_columns_is_refused(software, world):
    with pytest.raises(KeysRefused) as caught:
        import_keys("customer,secret\n1,2\n", world.admin)
    assert codes(caught) == {"S7.csv_columns"}


def test_s6_an_entitlement_partner_center_stops_listing_loses_its_keys(
        buy, pc_client, world):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    mirror_entitlements(pc_client, world.customer_a.id, sub.tenant_id)
    top = db.session.scalars(select(Entitlement).filter_by(parent_id=None)).one()
    record_key(top, KeyEntry(KEY, LINK), world.admin)
    pc_client.cancel_order(sub.tenant_id, sub.pc_order_id, [0])  # in Partner Center, day 0
    mirror_entitlements(pc_client, world.customer_a.id, sub.tenant_id)
    db.session.commit()
    assert top.gone_at is not None and top.live_keys == [] and sub.live_keys == []
    with pytest.raises(KeysRefused) as caught:
        record_key(top, KeyEntry(KEY), world.admin)
    assert codes(caught) == {"S6.entitlement_gone"}


def test_s7_the_admin_records_a_key_on_the_entitlement_page_which_never_shows_it(
        client, software, world):
    login(client, world.admin)
    url = f"/admin/entitlements/{software.id}"
    response = post_form(client, url, {"product_key": KEY, "download_url": LINK,
                                       "language": "en-US"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert KEY not in page and "en-US" in page
    assert f"/admin/entitlements/{software.id}" in client.get("/admin/entitlements").get_data(
        as_text=True)


def test_s7_a_refused_key_re_renders_the_form_with_each_problem_by_its_field(
        client, software, world):
    login(client, world.admin)
    response = post_form(client, f"/admin/entitlements/{software.id}",
                         {"download_url": "javascript:alert(1)", "language": "en-US"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="S7.download_link_format"' in body and 'href="#download_url"' in body
    assert 'value="en-US"' in body


def test_s7_the_csv_upload_page_lists_each_refused_row(client, software, world):
    login(client, world.admin)
    token_page = client.get("/admin/entitlements").get_data(as_text=True)
    assert 'name="keys"' in token_page
    data = {"csrf_token": csrf_from(token_page),
            "keys": (io.BytesIO(b"entitlement,key\n999999,AAAAA-BBBBB\n"), "keys.csv")}
    response = client.post("/admin/entitlements/import", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'data-code="S7.csv_unknown_entitlement"' in response.get_data(as_text=True)


def test_the_subscription_page_says_when_no_key_is_needed_and_links_the_instructions(
        client, software, world):
    product = software.subscription.product
    product.delivery = "none"
    product.install_instructions_url = "https://learn.microsoft.com/windows-server/esu"
    db.session.commit()
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{software.subscription_id}").get_data(as_text=True)
    assert 'id="no-key-needed"' in page
    assert 'href="https://learn.microsoft.com/windows-server/esu"' in page


def test_s7_each_download_has_a_copy_link_button_to_the_logged_download(
        client, software, world):
    key = record_key(software, KeyEntry(download_url=LINK, language="de-DE"), world.admin)
    login(client, world.reseller_a_user)
    page = client.get(f"/subscriptions/{software.subscription_id}").get_data(as_text=True)
    assert (f'data-copy="http://localhost/subscriptions/{software.subscription_id}/download'
            f'?key={key.id}"') in page
    assert LINK not in page  # the raw link only behind the logged redirect


def test_sync_links_entitlements_bought_in_partner_center_to_its_subscription(
        buy, pc_client, world):
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    assert mirror_entitlements(pc_client, world.customer_a.id, sub.tenant_id) == 2
    db.session.commit()
    top, included = db.session.scalars(select(Entitlement).order_by(Entitlement.id)).all()
    assert top.subscription_id == included.subscription_id == sub.id
    assert included.parent_id == top.id
    assert included.title == f"DG7GMGF0DWM2:0001, included with {sub.title}"


def test_the_admin_sets_what_a_product_comes_with_and_its_instructions_link(client, world):
    product = world.price.sku.product
    login(client, world.admin)
    form = {"title": product.title, "family": "perpetual_software", "segment": "commercial",
            "enabled": "y", "cancellable": "y", "min_quantity": "1", "max_quantity": "300",
            "delivery": "download",
            "install_instructions_url": "https://learn.microsoft.com/windows-server/esu"}
    assert post_form(client, f"/admin/catalog/{product.id}", form).status_code == 302
    db.session.refresh(product)
    assert (product.delivery, product.install_instructions_url) == (
        "download", "https://learn.microsoft.com/windows-server/esu")
    refused = post_form(client, f"/admin/catalog/{product.id}",
                        form | {"install_instructions_url": "javascript:alert(1)"})
    assert refused.status_code == 422
    assert "Enter the full https:// address" in refused.get_data(as_text=True)


def _upload(client, body: str):
    return client.post("/admin/entitlements/import", data={
        "csrf_token": csrf_token(client, "/admin/entitlements"),
        "keys": (io.BytesIO(body.encode()), "keys.csv")}, content_type="multipart/form-data")
