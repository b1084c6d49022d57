"""S7 findings of issue #25: the storefront invented product keys and download links
(Partner Center never issued them), and a recorded link was followed unchecked. Keys now
come only from an admin who copied them from Partner Center, and only as https links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from persistence import db
from subscriptions.entitlements import KeyEntry, KeysRefused, record_key
from subscriptions.models import SoftwareKey
from subscriptions.sync import sync_all
from tests.api.factories import make_subscription
from tests.conftest import login, post_form
from tests.subscriptions.conftest import WINDOWS_SERVER, buy, tenant  # noqa: F401 - fixtures
from tests.subscriptions.recorded_keys import KEY, LINK, entitlement_of


def _software(world):
    """Customer A's perpetual-software subscription, mirrored."""
    world.price.sku.product.family = "perpetual_software"
    return make_subscription(world.customer_a, world.price)


def test_syncing_a_perpetual_licence_invents_no_product_key_or_download(
        buy, pc_client):  # noqa: F811 - the imported fixture
    sub = buy(WINDOWS_SERVER, "", "one_time", quantity=1, family="perpetual_software")
    sync_all(pc_client)
    assert db.session.scalar(select(SoftwareKey)) is None
    assert sub.keys == []


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)",
                                  "//evil.example/setup.iso", "http://evil.example/x.iso",
                                  "https://evil.example/a b.iso"])
def test_a_download_link_the_storefront_will_redirect_to_must_be_a_plain_https_address(
        world, link):
    sub = _software(world)
    with pytest.raises(KeysRefused) as caught:
        record_key(entitlement_of(sub), KeyEntry(download_url=link), world.admin)
    assert caught.value.codes == ("S7.download_link_format",)


@pytest.mark.parametrize("who", ["reseller_a_user", "direct_user"])
def test_only_provider_admins_record_keys_even_admin_agents_of_resellers(client, world, who):
    entitlement = entitlement_of(_software(world))
    db.session.commit()
    user = getattr(world, who)
    user.admin_agent = True
    db.session.commit()
    login(client, user)
    response = post_form(client, f"/admin/entitlements/{entitlement.id}",
                         {"product_key": KEY, "download_url": LINK}, token_url="/")
    assert response.status_code == 403
    assert db.session.scalar(select(SoftwareKey)) is None
