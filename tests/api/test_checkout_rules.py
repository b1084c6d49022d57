"""Every checkout rule surfaces through the API's dry run with its stable code (422)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from catalog.models import CatalogSettings
from connectors.partner_center.sandbox import seed
from persistence import db
from tests.api.factories import make_subscription
from tests.conftest import make_customer, make_price


def _set(**values) -> Callable:
    def arrange(world, customer):
        for name, value in values.items():
            setattr(customer, name, value)
        return world.price, {}
    return arrange


def _price(**flags) -> Callable:
    def arrange(world, customer):
        return make_price(product_id="CFQ7TTC0TEST", **flags), {}
    return arrange


def _second_business(world, customer):
    customer.tenant_mode = "new"  # the world's pending order already holds one (K6)
    world.order_a.customer = customer
    return world.price, {}


def _reseller(**values) -> Callable:
    def arrange(world, customer):
        for name, value in values.items():
            setattr(world.reseller_a, name, value)
        return world.price, {}
    return arrange


def _add_to_other_plan(world, customer):
    other = make_price(title="Other plan", product_id="CFQOTHER0001", family="other")
    target = make_subscription(customer, other)
    return world.price, {"add_to_subscription_id": target.id}



def _reservation_in_andorra(world, customer):
    customer.country, customer.postal_code = "AD", "AD100"
    return make_price(product_id="DZH318Z0BQ3Q", family="azure_reservation", term="P1Y",
                      market="AD", currency="EUR"), {}


SCENARIOS = {
    "K1": _set(city=""),
    "K2": _set(postal_code="1011"),
    "K3": _set(country="PL", postal_code="00-001", tax_id=""),
    "K4": _set(tenant_mode="existing", tenant_id=seed.TENANT_WITHOUT_DAP_ID,
               tenant_verified_by="admin", tenant_verified_for=seed.TENANT_WITHOUT_DAP_ID),
    "K11": _set(tenant_mode="existing", tenant_id=seed.TENANT_WITHOUT_DAP_ID),
    "K6": _second_business,
    "K7": _price(segment="education", family="other"),
    "K8": _reseller(mpn_id="", mpa_checked_at=None),
    "K9": _reseller(mpn_id=seed.RESELLER_MPN_ID_NO_MPA, mpa_checked_at=None),
    "K10": _reservation_in_andorra,
    "C1": _price(term="P1Y", cycle="annual"),
    "C2": _price(term="P1M", cycle="triennial"),
    "C3": _price(discontinued=True),
    "C4": _add_to_other_plan,
    "S2": _price(max_quantity=2),
}


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_refuses_through_the_api_with_its_code(client, world, as_a, ready, rule):
    price, line = SCENARIOS[rule](world, ready)
    db.session.commit()
    body = {"customer_id": ready.id, "lines": [{"price_id": price.id, "quantity": 5, **line}]}
    response = client.post("/api/v1/checkout/validate", json=body, headers=as_a)
    problems = response.get_json()["error"]["problems"]
    assert response.status_code == 422
    assert any(p["rule"] == rule and p["code"].startswith(f"{rule}.") for p in problems), problems


def test_k5_an_unconfirmed_mca_is_refused_with_its_code(client, world, as_a):
    customer = make_customer(world.reseller_a, "No Mca GmbH", phone="+49 30 5")
    db.session.add(customer)
    db.session.commit()
    body = {"customer_id": customer.id, "lines": [{"price_id": world.price.id, "quantity": 1}]}
    problems = client.post("/api/v1/checkout/validate", json=body,
                           headers=as_a).get_json()["error"]["problems"]
    assert [p["code"] for p in problems] == ["K5.mca_not_confirmed"]
    # Absolute: an integration shows the link outside our pages.
    assert problems[0]["fix_url"] == f"http://localhost/cart?customer={customer.id}#mca"
    assert problems[0]["field"] == "mca"


def test_an_empty_order_is_refused_c2(client, as_a, ready):
    response = client.post("/api/v1/checkout/validate",
                           json={"customer_id": ready.id, "lines": []}, headers=as_a)
    assert [p["code"] for p in response.get_json()["error"]["problems"]] == ["C2.empty_cart"]


def test_annual_billing_passes_c1_once_both_switches_are_on(client, world, as_a, ready):
    price = make_price(product_id="CFQANNUAL001", term="P1Y", cycle="annual")
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = settings.annual_provisioning_enabled = True
    db.session.commit()
    body = {"customer_id": ready.id, "lines": [{"price_id": price.id, "quantity": 1}]}
    response = client.post("/api/v1/checkout/validate", json=body, headers=as_a)
    assert response.status_code == 200, response.get_json()
