"""C3 at checkout for a plan the price list puts at end of sale (every SKU tagged
EndOfSale, catalog/importer.py): no new subscription, as for a plan the admin
discontinued. Partner Center is the sandbox, as in every checkout test."""

from __future__ import annotations

import pytest

from persistence import db
from tests.checkout.conftest import us_customer
from tests.checkout.test_b1_price_changed_before_place import orders_of, place_from, problems_in
from tests.checkout.test_b1_price_changed_before_place import review as put_in_cart
from tests.conftest import login


@pytest.fixture
def customer(world):
    return us_customer(world)


def test_a_plan_at_end_of_sale_is_refused_a_new_subscription_c3(browser, world, customer):
    buyer = browser()
    login(buyer, world.reseller_a_user)
    page = put_in_cart(buyer, world, customer)
    world.price.sku.product.end_of_sale = True  # the next list tags every SKU EndOfSale
    db.session.commit()
    refused = place_from(buyer, customer, page)
    assert refused.status_code == 422
    [problem] = problems_in(refused.get_data(as_text=True), "C3.discontinued_offer")
    assert "discontinued by Microsoft" in problem
    assert orders_of(customer) == []


# -- the price list and Partner Center's sync: either one's end holds (C3) ---------------

@pytest.fixture
def run(app, pc_client, tmp_path):
    """`flask catalog import` of rows with these tags, or (no tags) `flask catalog sync`."""
    from connectors.partner_center.app_client import KEY
    from tests.catalog.price_lists import row, to_csv

    app.extensions[KEY] = pc_client

    def command(*tags):
        if not tags:
            args = ["catalog", "sync", "--country", "US"]
        else:
            path = tmp_path / "prices.csv"
            path.write_text(to_csv([row(Tags=tag) for tag in tags]), encoding="utf-8")
            args = ["catalog", "import", str(path)]
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        db.session.expire_all()
    return command


def refused_as_discontinued(buyer, customer, page) -> None:
    refused = place_from(buyer, customer, page)
    assert refused.status_code == 422
    assert problems_in(refused.get_data(as_text=True), "C3.discontinued_offer")
    assert orders_of(customer) == []


def test_a_plan_the_list_ended_is_refused_though_a_later_sync_finds_it_purchasable_c3(
        browser, world, customer, run):
    buyer = browser()
    login(buyer, world.reseller_a_user)
    page = put_in_cart(buyer, world, customer)
    run("License;EndOfSale")
    run()  # Partner Center still sells it in the US
    refused_as_discontinued(buyer, customer, page)


def test_a_plan_the_sync_ended_is_refused_though_an_older_list_sells_it_c3(
        browser, world, customer, run, pc_sandbox):
    buyer = browser()
    login(buyer, world.reseller_a_user)
    page = put_in_cart(buyer, world, customer)
    pc_sandbox.withdraw_availability("CFQ7TTC0LDPB", "0001")
    run()
    run("License")  # a list published before Microsoft stopped selling it
    refused_as_discontinued(buyer, customer, page)
