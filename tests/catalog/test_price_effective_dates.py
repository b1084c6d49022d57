"""Price-list rows sell from their EffectiveStartDate through their EffectiveEndDate (UTC).

Microsoft publishes next month's license-based price list ahead of the month (the
pricesheets API's `timeline=future`, learn.microsoft.com/partner-center/developer/
get-a-price-sheet). Importing it early keeps today's row selling; its rows take over on
their start date with no re-import, and a row past its end sells no more. The shop's
cached pages roll over on that day by themselves (catalog/effective.py).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog import effective, importer, price_list
from catalog.models import Price
from persistence import db
from storefront.listing_cache import CACHE_HEADER
from tests.catalog.price_lists import row, standard_rows, to_csv
from tests.catalog.test_listing_cache import in_own_context
from tests.conftest import login, make_price, post_form

# A few days ahead of the real clock, so a login made then is still fresh.
START = datetime.now(UTC).date() + timedelta(days=3)
EVE = datetime.combine(START, time(22, 0), UTC) - timedelta(days=1)  # the evening before
DAWN = datetime.combine(START, time(0, 5), UTC)

# The columns and the row of the "Response example for new commerce" on Microsoft's
# get-a-price-sheet page (https://learn.microsoft.com/en-us/partner-center/developer/
# get-a-price-sheet), with its tier cells empty as there. The page's sample has no
# "Segment" column, which our parser requires (catalog/price_list.py): it is added here.
MICROSOFT_SAMPLE = (
    '"ProductTitle","ProductId","SkuId","SkuTitle","Publisher","SkuDescription",'
    '"UnitOfMeasure","TermDuration","BillingPlan","Market","Currency","UnitPrice",'
    '"PricingTierRangeMin","PricingTierRangeMax","EffectiveStartDate","EffectiveEndDate",'
    '"Tags","ERP Price","Segment"\r\n'
    '"Advanced Communications","CFQ7TTC0HDK0","0001","Advanced Communications",'
    '"Microsoft Corporation","Advanced meetings, calling, workflow integration, and '
    'management tools for IT.","","P1Y","Annual","US","USD","115.2","","",'
    '"2/1/2019 12:00:00 AM","2/4/2021 8:35:31 PM","License","144","Commercial"\r\n')


def dated(start: date | None, end: date | None = None, **key) -> SimpleNamespace:
    offer = {"sku_id": 1, "term_duration": "P1M", "billing_cycle": "monthly", "market": "US",
             "currency": "USD", "tier_min": 1, **key}
    return SimpleNamespace(effective_start=start, effective_end=end, **offer)


# -- the policy ---------------------------------------------------------------------------

def test_the_row_sold_before_a_successors_start_is_todays_and_on_its_start_the_successor():
    today, later = dated(date(2026, 11, 1)), dated(START)
    assert effective.selling([today, later], START - timedelta(days=1)) == [today]
    assert effective.selling([today, later], START) == [later]


def test_a_row_past_its_end_is_not_sold_unless_a_newer_row_sells():
    ended = dated(date(2026, 11, 1), START - timedelta(days=1))
    assert effective.selling([ended], START - timedelta(days=1)) == [ended]  # end included
    assert effective.selling([ended], START) == []
    newer = dated(START)
    assert effective.selling([ended, newer], START) == [newer]


def test_each_offer_sells_its_own_row():
    monthly, annual = dated(None), dated(None, billing_cycle="annual")
    assert effective.selling([monthly, annual], START) == [monthly, annual]


# -- the file -----------------------------------------------------------------------------

def test_microsofts_sample_row_parses_with_its_dates_and_empty_tiers():
    parsed = price_list.parse(MICROSOFT_SAMPLE.splitlines(keepends=True))
    assert parsed.errors == []
    [found] = parsed.rows
    assert (found.effective_start, found.effective_end) == (date(2019, 2, 1), date(2021, 2, 4))
    assert (found.tier_min, found.tier_max) == (1, None)  # empty: from one licence, no cap


def test_a_list_may_hold_todays_row_and_the_one_that_replaces_it():
    rows = [row(), row(UnitPrice="13.00", EffectiveStartDate=START.isoformat())]
    parsed = price_list.parse(to_csv(rows).splitlines(keepends=True))
    assert parsed.errors == [] and len(parsed.rows) == 2


def test_a_row_that_ends_before_it_starts_is_refused_naming_the_end():
    rows = [row(EffectiveStartDate="2026-11-01", EffectiveEndDate="2026-10-31")]
    [error] = price_list.parse(to_csv(rows).splitlines(keepends=True)).errors
    assert (error.line, error.field) == (2, "EffectiveEndDate")
    assert "before the EffectiveStartDate" in error.message


# -- the import ---------------------------------------------------------------------------

def import_list(rows: list[dict]) -> importer.ImportSummary:
    parsed = price_list.parse(to_csv(rows).splitlines(keepends=True))
    assert parsed.errors == []
    return importer.import_rows(parsed.rows)


def next_months(rows: list[dict]) -> list[dict]:
    """The same list from START, each monthly price a dollar dearer."""
    return [{**r, "EffectiveStartDate": START.isoformat(),
             "UnitPrice": str(Decimal(r["UnitPrice"]) + 1)} for r in rows]


def business_standard_monthly() -> list[Price]:
    return list(db.session.scalars(select(Price).where(
        Price.term_duration == "P1M", Price.unit_price.in_([Decimal(12), Decimal(13)]))
        .order_by(Price.effective_start)))


def test_next_months_list_imported_early_keeps_todays_row_selling_until_its_start(app):
    import_list(standard_rows())
    summary = import_list(next_months(standard_rows()))

    assert (summary.added, summary.changed, summary.no_longer_listed) == (5, 0, 0)
    assert any(f"from {START}: 12.0000 → 13.00" in change for change in summary.changes)
    old, new = business_standard_monthly()  # both kept: the start is in the natural key
    assert (old.unit_price, new.unit_price) == (Decimal("12.00"), Decimal("13.00"))
    assert effective.selling_row(db.session, old, START - timedelta(days=1)) == old
    assert effective.selling_row(db.session, old, START) == new  # no re-import


def test_the_next_row_keeps_the_providers_own_retail_price(app):
    import_list(standard_rows())
    old = business_standard_monthly()[0]
    old.retail_price = Decimal("14.99")
    db.session.commit()
    import_list(next_months(standard_rows()))
    new = business_standard_monthly()[1]
    assert (new.effective_start, new.retail_price) == (START, Decimal("14.99"))


def test_reimporting_todays_list_keeps_next_months_rows(app):
    import_list(standard_rows())
    import_list(next_months(standard_rows()))
    summary = import_list(standard_rows())
    assert (summary.added, summary.unchanged, summary.no_longer_listed) == (0, 5, 0)
    assert db.session.scalar(select(Price).where(Price.effective_start == START)).listed


def test_an_offer_missing_from_next_months_list_sells_until_that_list_starts(app):
    import_list(standard_rows())
    summary = import_list(next_months(standard_rows()[:-1]))  # Red Hat is not in it
    assert (summary.ending, summary.no_longer_listed) == (1, 0)
    [ending] = summary.endings
    assert ending.startswith("Red Hat") and ending.endswith(
        f"not in the new list, sold until {START - timedelta(days=1)}")
    red_hat = db.session.scalar(select(Price).where(Price.unit_price == Decimal("700")))
    assert red_hat.listed and red_hat.effective_end == START - timedelta(days=1)
    assert effective.selling_row(db.session, red_hat, START - timedelta(days=1)) == red_hat
    assert effective.selling_row(db.session, red_hat, START) is None


def test_a_past_row_the_new_list_replaces_is_no_longer_listed(app):
    import_list(standard_rows())
    with time_machine.travel(DAWN, tick=False):
        summary = import_list(next_months(standard_rows()))
    assert summary.no_longer_listed == 5  # each replaced by a row already selling


# -- the shop -----------------------------------------------------------------------------

def successor(price: Price, start: date, erp: str) -> Price:
    """The row of `price`'s offer that Microsoft's next list starts on `start`."""
    row_ = Price(sku=price.sku, term_duration=price.term_duration,
                 billing_cycle=price.billing_cycle, market=price.market,
                 currency=price.currency, unit_price=price.unit_price + 1,
                 erp_price=Decimal(erp), effective_start=start)
    db.session.add(row_)
    db.session.commit()
    return row_


def shop_view(app, client):
    response = in_own_context(app, lambda: client.get("/shop"))
    assert response.status_code == 200
    return response


def test_the_shop_sells_todays_price_until_the_next_rows_start_then_that_one(
        app, client, world):
    successor(world.price, START, "14.00")
    with time_machine.travel(EVE, tick=False) as clock:
        in_own_context(app, lambda: login(client, world.direct_user))
        before = shop_view(app, client).get_data(as_text=True)
        assert "$12.50" in before and "$14.00" not in before
        assert shop_view(app, client).headers[CACHE_HEADER] == "hit"  # cached as usual

        clock.move_to(DAWN)  # no write, no import: only the day changed
        first = shop_view(app, client)
        assert "$14.00" in first.get_data(as_text=True)
        assert "$12.50" not in first.get_data(as_text=True)
        assert first.headers[CACHE_HEADER] == "miss"  # the cached page rolled over
        assert shop_view(app, client).headers[CACHE_HEADER] == "hit"  # and is kept again


def test_the_shop_stops_offering_a_row_past_its_end(app, client, world):
    world.price.effective_end = START - timedelta(days=1)
    db.session.commit()
    with time_machine.travel(EVE, tick=False) as clock:
        in_own_context(app, lambda: login(client, world.direct_user))
        assert "Microsoft 365 Business Standard" in shop_view(app, client).get_data(
            as_text=True)
        clock.move_to(DAWN)
        assert "Microsoft 365 Business Standard" not in shop_view(app, client).get_data(
            as_text=True)


# -- the admin ----------------------------------------------------------------------------

def test_the_admin_catalog_lists_upcoming_rows_with_their_start_date(app, client, world):
    successor(world.price, START, "14.00")
    login(client, world.admin)
    page = client.get("/admin/catalog").get_data(as_text=True)
    assert "Upcoming prices" in page
    upcoming = page[page.index('id="upcoming-prices"'):]
    assert START.isoformat() in upcoming and "14.00" in upcoming
    product = client.get(f"/admin/catalog/{world.price.sku.product_id}").get_data(as_text=True)
    assert f"from {START}" in product and "today" in product


def test_b5_the_admin_catalog_shows_upcoming_yen_without_decimals(app, client, world):
    # Was "3201.00" and "4200.00": yen have no decimals.
    yen = make_price(title="Microsoft 365 E3", product_id="CFQ7TTC0LFLX", market="JP",
                     currency="JPY", cost="3200", erp="4000")
    successor(yen, START, "4200")
    login(client, world.admin)
    page = client.get("/admin/catalog").get_data(as_text=True)
    upcoming = page[page.index('id="upcoming-prices"'):]
    assert '<td class="num">¥3,201</td><td class="num">¥4,200</td>' in upcoming


def test_a_retail_preview_says_which_row_sells_today_and_which_from_its_start(
        app, client, world):
    """Next month's row and today's are one offer's two rows: the preview orders them by
    start and says when each sells, instead of two alike lines."""
    later = successor(world.price, START, "14.00")
    login(client, world.admin)
    data = {"product_id": [str(world.price.sku.product_id)], "kind": "percent", "value": "10",
            "market": ""}
    page = post_form(client, "/admin/catalog/prices/bulk", data,
                     token_url="/admin/catalog").get_data(as_text=True)
    sold = re.findall(r'<tr data-price-id="(\d+)">.*?<td data-sold>([^<]*)</td>', page, re.S)
    assert sold == [(str(world.price.id), "today"), (str(later.id), f"from {START}")]


def test_an_offer_holds_one_undated_row_as_the_database_sees_it(app):
    """The natural key counts NULL starts as distinct, so the undated row has its own unique
    index: a second undated row of the same offer is refused by the database itself."""
    import_list(standard_rows())
    undated = db.session.scalars(select(Price)).first()
    undated.effective_start = None  # a list without dates (as every list before them)
    db.session.flush()
    twin = Price(**{name: getattr(undated, name) for name in (
        "sku_id", "term_duration", "billing_cycle", "market", "currency", "tier_min",
        "unit_price", "erp_price")})
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    twin.effective_start = START  # a dated row of the same offer is next month's
    db.session.add(twin)
    db.session.flush()
