"""What resellers and customers see in the shop: C1, C3, C5/K7 marks, C6 labels, prices."""

import re
from decimal import Decimal

import pytest

from accounts.models import CustomerQualification
from catalog.models import CatalogSettings, ResellerMarkup
from persistence import db
from tests.conftest import login, make_price, move_to


@pytest.fixture
def shop(world):
    """A small catalog in the US market beside the world's monthly Business Standard price."""
    annual = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLZ",
                        family="microsoft365", term="P1Y", cycle="annual", cost="360",
                        erp="432")
    make_price(title="Business Premium Nonprofit", product_id="CFQ7TTC0NPRO",
               segment="nonprofit", cost="3", erp="5.5")
    make_price(title="Office 365 E1 Legacy", product_id="CFQ7TTC0OLD1", discontinued=True)
    make_price(title="Hidden Plan", product_id="CFQ7TTC0HIDE", enabled=False)
    make_price(title="Polish Plan", product_id="CFQ7TTC0PLPL", market="PL", currency="PLN",
               cost="40", erp="50")
    make_price(title="Brazil Plan", product_id="CFQ7TTC0BRBR", market="BR", currency="BRL",
               cost="40", erp="50")
    db.session.commit()
    return annual


def set_annual(billing: bool, provisioning: bool) -> None:
    settings = CatalogSettings.current()
    settings.annual_billing_cycle_enabled = billing
    settings.annual_provisioning_enabled = provisioning
    db.session.commit()


def shop_page(client, user, query="") -> str:
    login(client, user)
    response = client.get(f"/shop{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("billing", "provisioning", "listed"), [
    (False, False, False), (True, False, False), (False, True, False), (True, True, True)])
def test_annual_billing_is_listed_only_with_both_switches_on_c1(
        client, world, shop, billing, provisioning, listed):
    set_annual(billing, provisioning)
    body = shop_page(client, world.direct_user)
    assert ("billed annually" in body) is listed
    assert ("Microsoft 365 E3" in body) is listed  # its only price is annual
    assert "Microsoft 365 Business Standard" in body


def test_discontinued_and_disabled_plans_are_not_offered_for_new_purchase_c3(
        client, world, shop):
    body = shop_page(client, world.direct_user)
    assert "Office 365 E1 Legacy" not in body and "Hidden Plan" not in body


def test_specialized_plans_are_marked_as_needing_qualification_k7(client, world, shop):
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "nonprofit plan · needs qualification" in body


def test_a_qualified_customer_sees_the_plan_as_qualified(client, world, shop):
    world.customer_a.qualifications.append(CustomerQualification(segment="nonprofit"))
    db.session.commit()
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "nonprofit · qualified" in body


def test_prices_are_shown_in_the_customers_market_and_locale(client, world, shop):
    world.customer_a.country, world.customer_a.language = "PL", "pl"
    db.session.commit()
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "Polish Plan" in body and "Microsoft 365 Business Standard" not in body
    assert "50,00\xa0zł" in body and "excl. tax" in body


def test_brazilian_prices_are_labelled_tax_inclusive_c6(client, world, shop):
    world.customer_a.country = "BR"
    db.session.commit()
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "Brazil Plan" in body and "incl. tax" in body


def test_c7_a_customer_of_a_market_without_prices_is_offered_nothing_and_told_why(
        client, world, shop):
    # DE has no prices here: another market's would be charged in a currency and at a price
    # Microsoft does not bill the provider, so nothing is offered, and the page says why.
    move_to(world.customer_a, "DE")
    db.session.commit()
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "market DE" in body and "US$" not in body and "$12.50" not in body
    assert 'data-testid="market-unpriced"' in body
    assert "no prices for the DE market" in body and "(C7)" in body
    assert "import the DE price list" in body  # a reseller asks its provider


def test_c7_a_direct_customer_of_a_market_without_prices_is_told_to_contact_the_provider(
        client, world, shop):
    move_to(world.direct, "GB")  # no prices there
    db.session.commit()
    body = shop_page(client, world.direct_user)
    assert 'data-testid="market-unpriced"' in body and "has not published prices" in body


def test_c7_the_admin_is_told_which_customers_markets_have_no_prices(client, world, shop):
    for customer, market in ((world.customer_a, "DE"), (world.customer_b, "DE"),
                             (world.direct, "GB")):
        move_to(customer, market)
    db.session.commit()
    login(client, world.admin)
    body = client.get("/admin/catalog/jobs").get_data(as_text=True)
    notice = body.split('data-testid="unpriced-markets"')[1].split("</div>")[0]
    # customer_a and customer_b in DE, the direct customer in GB; the US, PL and BR are priced
    assert "DE: 2 customers" in notice and "GB: 1 customer<" in notice
    assert "US:" not in notice and "PL:" not in notice


def test_c7_a_customer_of_a_priced_market_is_offered_its_prices_and_told_nothing(
        client, world, shop):
    body = shop_page(client, world.reseller_a_user, f"?customer={world.customer_a.id}")
    assert "$12.50" in body and "market-unpriced" not in body  # the world's: US


def test_a_reseller_pays_cost_plus_its_markup(client, world, shop):
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("15")))
    db.session.commit()
    body = shop_page(client, world.reseller_a_user)
    # Its price is its cost; the retail price beside it is its end customer's (#20).
    assert re.search(r'data-testid="price">\$11\.50 ', body)
    assert re.search(r'data-testid="retail">\$12\.50 ', body)


def test_the_direct_customer_pays_the_retail_price_when_set(client, world, shop):
    world.price.retail_price = Decimal("13.99")
    db.session.commit()
    assert "$13.99" in shop_page(client, world.direct_user)


def test_a_reseller_cannot_shop_for_another_resellers_customer(client, world, shop):
    login(client, world.reseller_a_user)
    assert client.get(f"/shop?customer={world.customer_b.id}").status_code == 404


def test_search_and_segment_filters(client, world, shop):
    body = shop_page(client, world.direct_user, "?segment=nonprofit")
    assert "Business Premium Nonprofit" in body and "Business Standard" not in body


def _row_of(body: str, title: str) -> str:
    card = body[body.index(f"<h2>{title}</h2>"):]
    return card[:card.index("</tr></tbody>")]


def test_an_azure_plan_reads_as_usage_billed_monthly_one_per_customer_k12(app, client, world):
    """It was "no term · one-time · $0.00 per license, one-time" with a quantity to choose:
    as if bought once for good, by the license. The plan costs nothing itself, its usage is
    billed monthly, and a customer holds one."""
    make_price(title="Azure plan", product_id="DZH318Z0BPS6", family="azure_plan",
               cost="0", erp="0", term="", cycle="one_time")
    db.session.add(ResellerMarkup(reseller_id=world.reseller_a.id, product_id=None,
                                  markup_percent=Decimal("15")))
    db.session.commit()
    row = _row_of(shop_page(client, world.direct_user), "Azure plan")
    assert "Azure usage, billed monthly" in row and "No charge for the plan" in row
    assert "one-time" not in row and "$0.00" not in row
    assert 'type="number" name="quantity"' not in row
    assert '<input type="hidden" name="quantity" value="1">' in row
    reseller_row = _row_of(shop_page(app.test_client(), world.reseller_a_user), "Azure plan")
    assert "No charge for the plan" in reseller_row and "$0.00" not in reseller_row
    assert len(re.findall(r"<th[ >]", reseller_row)) == reseller_row.count("<td")  # per column
