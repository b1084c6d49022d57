"""The sandbox catalog doubles as the storefront's demo catalog: its shape is a contract."""

from __future__ import annotations

import re

import pytest

from catalog.models import Family
from connectors.partner_center.sandbox.catalog import Catalog

CATALOG = Catalog.load()
PRODUCTS = {p["id"]: p for p in CATALOG.products(None, None)} | {
    p["id"]: p for p in CATALOG.products(None, "nonprofit")}
# The storefront's own families (catalog.models.Family), so sync needs no translation.
FAMILIES = {f.value for f in Family}


def test_the_catalog_holds_the_twelve_demo_products_with_partner_center_ids():
    assert len(PRODUCTS) == 12  # the eleventh and twelfth: a reservation and the Azure plan
    assert all(re.fullmatch(r"[A-Z0-9]{12}", pid) for pid in PRODUCTS)


@pytest.mark.parametrize("product_id", sorted(PRODUCTS))
def test_every_product_carries_the_storefront_settings(product_id):
    settings = CATALOG.storefront(product_id)
    assert settings["family"] in FAMILIES
    assert settings["segment"] in {"commercial", "education", "government", "nonprofit"}
    assert isinstance(settings["new_subscription_per_order"], bool)
    assert isinstance(settings["cancellable"], bool)
    assert "storefront" not in PRODUCTS[product_id]  # never served by the API


def test_the_software_subscription_offers_three_year_terms_billed_annually_or_triennially():
    (availability,) = CATALOG.availabilities("DG7GMGF0FKZV", "0002", "US", None, {})
    terms = {(t["duration"], t["billingCycle"]) for t in availability["terms"]}
    assert terms == {("P1Y", "annual"), ("P3Y", "annual"), ("P3Y", "triennial")}


def test_business_standard_offers_monthly_and_annual_billing():
    (availability,) = CATALOG.availabilities("CFQ7TTC0LDPB", "0001", "US", None, {})
    terms = {(t["duration"], t["billingCycle"]) for t in availability["terms"]}
    assert terms == {("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual")}
    assert CATALOG.storefront("CFQ7TTC0LDPB")["family"] == "office365_business"


def test_only_dynamics_is_a_new_subscription_per_order_and_red_hat_is_not_cancellable():
    per_order = {p for p in PRODUCTS if CATALOG.storefront(p)["new_subscription_per_order"]}
    not_cancellable = {p for p in PRODUCTS if not CATALOG.storefront(p)["cancellable"]}
    assert per_order == {"CFQ7TTC0LGNM"}
    # The Azure plan is suspended, never cancelled (create-azure-plan: lifecycle management).
    assert not_cancellable == {"DG7GMGF0FKZW", "DZH318Z0BPS6"}
