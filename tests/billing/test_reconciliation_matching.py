"""B6's comparison on its own (billing.matching, billing.catch_ups: pure, no database, no
network): how lines are grouped and paired, and what counts as a difference."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from billing.catch_ups import fold, is_catch_up
from billing.matching import MicrosoftGroup, OurGroup, key, match
from connectors.graph import ReconciliationLineItem

SUB = "7A8F6C2E-0000-4000-8000-000000000001"
JUNE = (date(2021, 6, 18), date(2021, 7, 17))
CHANGE = (date(2021, 6, 20), date(2021, 7, 17))


def ms_line(charge_type: str, quantity: int, effective: str, subtotal: str,
            period=JUNE, rate: str = "1", currency: str = "EUR", sub: str = SUB,
            end: bool = True) -> ReconciliationLineItem:
    """A billed line the way the export writes one (camelCase, numbers as strings)."""
    return ReconciliationLineItem.from_wire({
        "subscriptionId": sub, "chargeType": charge_type, "quantity": str(quantity),
        "billableQuantity": str(quantity), "effectiveUnitPrice": effective,
        "unitPrice": "10.08", "subtotal": subtotal, "currency": "EUR",
        "pricingCurrency": currency, "pcToBCExchangeRate": rate,
        "invoiceNumber": "G000000001", "chargeStartDate": f"{period[0]}T00:00:00Z",
        "chargeEndDate": f"{period[1]}T00:00:00Z" if end else ""})


def microsoft(*items: ReconciliationLineItem) -> dict:
    groups: dict = defaultdict(MicrosoftGroup)
    for item in items:
        groups[key(item.subscription_id, item.charge_type, item.charge_start,
                   item.charge_end)].add(item)
    return dict(groups)


def ours(*charges: tuple) -> dict:
    """(type, quantity, unit price, effective price, cost, period) as the ledger holds them."""
    groups: dict = defaultdict(OurGroup)
    for kind, quantity, unit, effective, cost, period in charges:
        group = groups[key(SUB.lower(), kind, *period)]
        group.add(quantity, Decimal(unit), Decimal(effective), Decimal(cost))
        group.currency = "EUR"
    return dict(groups)


def test_microsofts_seat_addition_pair_matches_our_pair():
    # Microsoft's example: +2 seats on 20 June, 28 of 30 days: 10 refunded, 12 charged.
    theirs = microsoft(ms_line("addQuantity", 10, "-9.408", "-94.00", CHANGE),
                       ms_line("addQuantity", 12, "9.408", "112.80", CHANGE))
    mine = ours(("addQuantity", -10, "12.60", "11.76", "10.08", CHANGE),
                ("addQuantity", 12, "12.60", "11.76", "10.08", CHANGE))
    assert match(mine, theirs) == ([], 1)


def test_amounts_compare_at_our_cost_not_at_the_buyers_price():
    theirs = microsoft(ms_line("new", 10, "10.08", "100.80"))
    assert match(ours(("new", 10, "12.60", "12.60", "10.08", JUNE)), theirs) == ([], 1)
    (finding,), agreed = match(ours(("new", 10, "12.60", "12.60", "11.00", JUNE)), theirs)
    assert (finding.kind, finding.amount_ours, finding.amount_microsoft, agreed) == (
        "different", Decimal("110.00"), Decimal("100.80"), 0)


def test_a_cent_per_seat_is_rounding_and_more_is_a_discrepancy():
    mine = ours(("new", 10, "12.60", "12.60", "10.08", JUNE))
    assert match(mine, microsoft(ms_line("new", 10, "10.08", "100.70"))) == ([], 1)
    (finding,), _ = match(mine, microsoft(ms_line("new", 10, "10.08", "100.69")))
    assert "amount 100.80 expected at our cost, 100.69 billed" in finding.note


def test_the_exchange_rate_is_microsofts_own_and_cut_to_the_cent_per_unit():
    # ROUNDDOWN(11.04 x 1.086956522, 2) x 10 = 12.00 x 10.
    theirs = microsoft(ms_line("new", 10, "11.04", "120.00", rate="1.086956522"))
    assert match(ours(("new", 10, "13.80", "13.80", "11.04", JUNE)), theirs) == ([], 1)


def test_a_different_period_is_one_different_line_not_two_unmatched_ones():
    theirs = microsoft(ms_line("new", 10, "10.08", "100.80", period=(date(2021, 6, 19),
                                                                     date(2021, 7, 18))))
    (finding,), agreed = match(ours(("new", 10, "12.60", "12.60", "10.08", JUNE)), theirs)
    assert (finding.kind, agreed) == ("different", 0)
    assert finding.note.startswith("period 2021-06-18–2021-07-17 here, 2021-06-19–2021-07-18")


def test_our_one_time_charge_is_microsofts_new_line_without_an_end_date():
    day = (date(2021, 6, 18), date(2021, 6, 18))
    theirs = microsoft(ms_line("new", 1, "1069", "1069", period=day, end=False))
    assert match(ours(("oneTime", 1, "1336.25", "1336.25", "1069", day)), theirs) == ([], 1)


def test_a_cancellation_refund_is_matched_whatever_sign_the_quantity_has():
    theirs = microsoft(ms_line("cancelImmediate", 10, "-9.4296", "-94.20",
                               period=(date(2021, 7, 17), date(2021, 8, 14))))
    mine = ours(("cancelImmediate", -10, "10.08", "9.4296", "10.08",
                 (date(2021, 7, 17), date(2021, 8, 14))))
    assert match(mine, theirs) == ([], 1)


def test_a_charge_priced_in_another_currency_than_microsoft_prices_it_is_flagged():
    theirs = microsoft(ms_line("new", 10, "10.08", "100.80", currency="PLN"))
    (finding,), _ = match(ours(("new", 10, "12.60", "12.60", "10.08", JUNE)), theirs)
    assert "priced in EUR here, in PLN at Microsoft" in finding.note


def test_what_only_one_side_has_is_listed_as_that_sides_alone():
    theirs = microsoft(ms_line("new", 3, "10.08", "30.24", sub="other"))
    findings, agreed = match(ours(("new", 10, "12.60", "12.60", "10.08", JUNE)), theirs)
    assert sorted((f.kind, f.key.subscription) for f in findings) == [
        ("unmatched_microsoft", "other"), ("unmatched_ours", SUB.lower())]
    assert agreed == 0


JULY = (date(2021, 7, 18), date(2021, 8, 17))


def late_seen(cycle_cost: str = "9.20", catch_up: tuple = (-10, 15)) -> dict:
    """July's cycle charged at 10, then the catch-up of 5 seats added in Partner Center
    before it began and seen after (billing.catch_ups), at our cost EUR 9.20."""
    cycle = ours(("cycleCharge", 10, "11.50", "11.50", cycle_cost, JULY))
    pair = ours(*(("addQuantity", q, "11.50", "11.50", "9.20", JULY) for q in catch_up))
    return fold(cycle, pair)


@pytest.mark.parametrize(("source", "caught_up"), [
    ("add:41:2021-07-18:refund", True), ("remove:7:2021-07-18:charge", True),
    ("convert:3:2021-07-18:charge", True), ("add:41:refund", False),
    ("sub:12:2021-07-18", False), ("cancel:sub:12", False),
    # A later cycle a cancellation seen late credits whole (billing.catch_ups).
    ("cancel:sub:12:2021-07-18", True)])
def test_a_catch_up_is_told_by_its_source_key_naming_the_cycle(source, caught_up):
    assert is_catch_up(source) is caught_up


def test_a_cycle_charge_and_its_late_seen_catch_up_match_microsofts_one_cycle_line():
    theirs = microsoft(ms_line("cycleCharge", 15, "9.20", "150.00", JULY,
                               rate="1.086956522"))
    (finding,), agreed = match(late_seen(), theirs)
    assert (finding.kind, finding.agrees, agreed) == ("matched_late_seen", True, 1)
    assert (finding.quantity_ours, finding.amount_ours) == (15, Decimal("150.00"))
    assert finding.note == ("cycle charge with a late-seen change: charged at 10, caught "
                            "up to 15 (addQuantity)")


def test_a_late_seen_cycle_must_sum_to_microsofts_line_to_the_cent():
    # Whole cycles round nothing but Microsoft's own cut: a cent off is no rounding here,
    # where a prorated line of 15 seats may be 15 cents off.
    theirs = microsoft(ms_line("cycleCharge", 15, "9.20", "149.99", JULY,
                               rate="1.086956522"))
    (finding,), agreed = match(late_seen(), theirs)
    assert (finding.kind, agreed) == ("different", 0)
    assert finding.note.endswith("amount 150.00 expected at our cost, 149.99 billed")


def test_a_catch_up_whose_cycle_was_charged_in_another_month_stays_a_seat_change():
    pair = ours(("addQuantity", -10, "11.50", "11.50", "9.20", JULY),
                ("addQuantity", 15, "11.50", "11.50", "9.20", JULY))
    (finding,), _ = match(fold({}, pair), {})
    assert (finding.kind, finding.key.charge_type, finding.quantity_ours) == (
        "unmatched_ours", "addQuantity", 5)


def test_a_cycle_charged_and_credited_whole_in_the_month_is_nothing_microsoft_billed():
    # R4: a subscription an upgrade made, charged as a purchase before the sync saw the
    # upgrade, and that cycle given back whole (billing.made_by_upgrade): Microsoft billed
    # only the conversion, which matches; the cycle and its credit are not listed.
    theirs = microsoft(ms_line("convert", 4, "9.408", "37.60", CHANGE))
    mine = ours(("new", 4, "12.60", "12.60", "10.08", JUNE),
                ("new", -4, "12.60", "12.60", "10.08", JUNE),
                ("convert", 4, "12.60", "11.76", "10.08", CHANGE))
    assert match(mine, theirs) == ([], 1)
