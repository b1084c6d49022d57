"""O1 eligibility, O6 the partner's terms and price protection, as pure policy sentences.

Seed 000 wording quoted in the test names: "only eligible for legal entity registered in
mainland China", "only for enterprise customers", "prices go up ... pricing will not
change", "prices go down ... pass on", "company wire transfer or check", "Partner will
issue VAT invoice to customer once payment is completed"."""

from datetime import date
from decimal import Decimal

import pytest

from commitments import eligibility
from commitments.invoices import Invoice, InvoiceKind
from commitments.payment_terms import (
    method_problems,
    terms_problems,
    vat_invoice_problems,
)
from commitments.price_list import (
    Change,
    PriceEntry,
    change_of,
    enrollment_price,
    entry_problems,
    format_unit_price,
    price_in_force,
    priced,
)
from commitments.problems import CommitmentRefused

ENTERPRISE = "91110108MA01ABCD1E"
START, END = date(2025, 4, 1), date(2028, 3, 31)
VM = "Virtual Machines D4s v5 (hours)"


def codes(problems):
    return [p.code for p in problems]


def test_o1_a_mainland_china_enterprise_is_eligible():
    assert eligibility.check("CN", ENTERPRISE) == []
    assert eligibility.check("cn", "9111 0108 MA01 ABCD 1E") == []


@pytest.mark.parametrize("country", ["HK", "MO", "TW", "DE", ""])
def test_o1_only_eligible_for_legal_entity_registered_in_mainland_china(country):
    found = eligibility.check(country, ENTERPRISE)
    assert codes(found) == ["O1.legal_entity_not_in_mainland_china"]
    assert found[0].field == "country" and "mainland China" in found[0].message
    assert "(country CN)" in found[0].message  # the fix


def test_o1_hong_kong_macau_and_taiwan_are_named_as_not_mainland():
    assert "Hong Kong" in eligibility.check("HK", ENTERPRISE)[0].message
    assert "Taiwan" in eligibility.check("TW", ENTERPRISE)[0].message


@pytest.mark.parametrize("tax_id", ["", "DE123456789", "91110108MA01ABCD1X"])
def test_o1_only_for_enterprise_customers_needs_a_valid_credit_code(tax_id):
    found = eligibility.check("CN", tax_id)
    assert codes(found) == ["O1.enterprise_registration_missing"]
    assert found[0].field == "tax_id" and "Unified Social Credit Code" in found[0].message


@pytest.mark.parametrize("code", ["12100000400000624D", "92310115MA1K3ABC1D"])
def test_o1_only_for_enterprise_customers_not_government_bodies_or_sole_traders(code):
    assert codes(eligibility.check("CN", code)) == ["O1.not_an_enterprise"]


def test_o1_every_eligibility_problem_is_reported_at_once():
    assert codes(eligibility.check("HK", "")) == [
        "O1.legal_entity_not_in_mainland_china", "O1.enterprise_registration_missing"]


def entries(*lines):
    return [PriceEntry(VM, Decimal(p), d) for p, d in lines]


def test_o6_the_price_in_force_is_the_latest_line_not_after_the_day():
    lines = entries(("2.40", date(2025, 1, 1)), ("2.60", date(2025, 9, 1)))
    assert price_in_force(lines, VM, date(2024, 12, 31)) is None
    assert price_in_force(lines, VM, date(2025, 8, 31)) == Decimal("2.40")
    assert price_in_force(lines, VM, date(2025, 9, 1)) == Decimal("2.60")
    assert price_in_force(lines, "  virtual machines  D4s v5 (hours) ", date(2025, 9, 1)) \
        == Decimal("2.60")


def test_price_protection_if_prices_go_up_customer_pricing_will_not_change():
    lines = entries(("2.40", date(2025, 1, 1)), ("2.60", date(2025, 9, 1)))
    assert enrollment_price(lines, VM, START, END, date(2025, 10, 1)) == Decimal("2.40")
    assert enrollment_price(lines, VM, START, END, END) == Decimal("2.40")


def test_price_protection_if_prices_go_down_the_system_passes_them_on():
    lines = entries(("2.40", date(2025, 1, 1)), ("2.10", date(2025, 9, 1)))
    assert enrollment_price(lines, VM, START, END, date(2025, 8, 31)) == Decimal("2.40")
    assert enrollment_price(lines, VM, START, END, date(2025, 9, 1)) == Decimal("2.10")


def test_price_protection_a_rise_after_a_fall_does_not_take_the_fall_back():
    lines = entries(("2.40", date(2025, 1, 1)), ("2.10", date(2025, 9, 1)),
                    ("2.30", date(2026, 1, 1)))
    assert enrollment_price(lines, VM, START, END, date(2026, 2, 1)) == Decimal("2.10")


def test_price_protection_a_meter_priced_after_the_start_keeps_its_first_price():
    lines = entries(("3.00", date(2025, 6, 1)), ("3.50", date(2025, 12, 1)))
    assert enrollment_price(lines, VM, START, END, date(2025, 5, 31)) is None
    assert enrollment_price(lines, VM, START, END, date(2026, 1, 1)) == Decimal("3.00")


def test_extended_term_usage_after_the_end_date_is_charged_at_the_current_price():
    lines = entries(("2.40", date(2025, 1, 1)), ("2.60", date(2026, 9, 1)))
    assert enrollment_price(lines, VM, START, END, date(2028, 4, 15)) == Decimal("2.60")


def test_o6_usage_of_a_meter_the_partner_has_not_priced_is_refused_naming_the_meter():
    with pytest.raises(CommitmentRefused) as refused:
        priced([], "Blob Storage", START, END, date(2025, 5, 1))
    found = refused.value.problems[0]
    assert found.code == "O6.meter_not_priced" and found.field == "meter"
    assert "Blob Storage" in found.message and "price list" in found.message


def test_o6_a_scheduled_line_is_a_rise_a_fall_or_a_first_price():
    lines = entries(("2.40", date(2025, 1, 1)))
    assert change_of(lines, PriceEntry(VM, Decimal("2.60"), date(2025, 9, 1))) is Change.UP
    assert change_of(lines, PriceEntry(VM, Decimal("2.00"), date(2025, 9, 1))) is Change.DOWN
    assert change_of(lines, PriceEntry(VM, Decimal("2.40"), date(2025, 9, 1))) is Change.SAME
    assert change_of(lines, PriceEntry("SQL", Decimal("1"), date(2025, 9, 1))) is Change.NEW


def test_o6_a_price_line_needs_a_meter_a_positive_price_and_no_backdating():
    today = date(2025, 6, 1)
    bad = PriceEntry(" ", Decimal("0"), date(2025, 5, 31))
    assert codes(entry_problems(bad, today)) == [
        "O6.meter_required", "O6.price_not_positive", "O6.price_backdated"]
    assert entry_problems(PriceEntry(VM, Decimal("0.0125"), today), today) == []


def test_unit_prices_show_fen_or_up_to_four_decimals():
    assert format_unit_price(Decimal("2.4")) == "RMB 2.40"
    assert format_unit_price(Decimal("0.0125")) == "RMB 0.0125"
    assert format_unit_price(Decimal("1200")) == "RMB 1,200.00"


def test_o6_payment_terms_default_30_days_and_the_partner_may_set_1_to_180():
    assert terms_problems(30) == [] and terms_problems(45) == []
    for days in (0, 181, None):
        assert codes(terms_problems(days)) == ["O6.payment_terms_out_of_range"]


def test_o6_all_ospa_payment_must_pay_through_company_wire_transfer_or_check():
    assert method_problems("wire_transfer") == [] and method_problems("cheque") == []
    for method in ("card", "other", ""):
        found = method_problems(method)
        assert codes(found) == ["O6.payment_method_not_allowed"]
        assert found[0].field == "payment_method"


def test_o6_partner_will_issue_vat_invoice_once_payment_is_completed():
    today = date(2025, 5, 10)
    unpaid = vat_invoice_problems("12345678", today, None, today, False)
    assert codes(unpaid) == ["O6.vat_invoice_before_payment"]
    paid = vat_invoice_problems("1234 5678", date(2025, 5, 9), date(2025, 5, 8), today, False)
    assert paid == []


def test_o6_a_vat_invoice_needs_a_fapiao_number_a_date_after_payment_and_only_one():
    today, paid_on = date(2025, 5, 10), date(2025, 5, 8)
    found = vat_invoice_problems("12-34", date(2025, 5, 7), paid_on, today, True)
    assert codes(found) == ["O6.vat_invoice_already_recorded",
                            "O6.vat_invoice_number_invalid", "O6.vat_invoice_date_invalid"]


def test_o6_an_invoice_falls_due_after_the_partners_payment_terms():
    invoice = Invoice("R-1", "V5700001", "reseller:1", InvoiceKind.COMMITMENT,
                      date(2025, 4, 1), Decimal("1000"), Decimal("0.06"), 45)
    assert invoice.due_on == date(2025, 5, 16)
    standard = Invoice("R-2", "V5700001", "reseller:1", InvoiceKind.COMMITMENT,
                       date(2025, 4, 1), Decimal("1000"), Decimal("0.06"))
    assert standard.due_on == date(2025, 5, 1)
