"""O1, O7, O9: enrollment numbers, three-year dates, leap years and the contract package."""

from datetime import date, timedelta

import pytest

from commitments.enrollment import (
    Document,
    Enrollment,
    add_years,
    check_renewal_start,
    end_date,
    format_enrollment_number,
    is_valid_enrollment_number,
    next_enrollment_number,
    renewal,
    term_bounds,
    term_year,
    validate_enrollment_number,
)
from commitments.problems import CommitmentRefused


def test_enrollment_numbers_are_v570_followed_by_four_digits():
    assert format_enrollment_number(42) == "V5700042"
    assert is_valid_enrollment_number("V5709999")
    assert validate_enrollment_number(" v570 0042 ") == "V5700042"


@pytest.mark.parametrize("number", ["V5710042", "V57000421", "V570004", "5700042", "V570004A"])
def test_refuses_an_enrollment_number_not_in_the_v570_format(number):
    with pytest.raises(CommitmentRefused) as refused:
        Enrollment(number, "c", "p", date(2025, 1, 1))
    assert refused.value.codes == ("O7.invalid_enrollment_number",)


def test_next_enrollment_number_follows_the_highest_and_ignores_foreign_numbers():
    assert next_enrollment_number([]) == "V5700001"
    assert next_enrollment_number(["V5700007", "v5700003", "12345678"]) == "V5700008"


def test_serials_outside_four_digits_are_not_enrollment_numbers():
    with pytest.raises(ValueError):
        format_enrollment_number(10000)
    with pytest.raises(ValueError):
        format_enrollment_number(0)


def test_an_enrollment_ends_three_years_less_one_day_after_it_starts():
    assert end_date(date(2025, 4, 1)) == date(2028, 3, 31)
    assert end_date(date(2025, 1, 1)) == date(2027, 12, 31)


def test_an_enrollment_starting_29_february_has_its_anniversaries_on_1_march():
    enrollment = Enrollment("V5700001", "c", "p", date(2024, 2, 29))
    assert [enrollment.anniversary(n) for n in (1, 2, 3)] == [
        date(2025, 3, 1),
        date(2026, 3, 1),
        date(2027, 3, 1),
    ]
    assert enrollment.end == date(2027, 2, 28)
    assert term_bounds(enrollment.start, 1) == (date(2024, 2, 29), date(2025, 2, 28))


def test_a_29_february_date_stays_on_29_february_in_a_later_leap_year():
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 3, 1)


def test_each_day_of_the_enrollment_belongs_to_exactly_one_commitment_year():
    start = date(2024, 2, 29)
    days = [start + timedelta(days=i) for i in range((end_date(start) - start).days + 1)]
    years = [term_year(start, day) for day in days]
    assert years.count(1) == 366 and years.count(2) == 365 and years.count(3) == 365
    assert term_year(start, start - timedelta(days=1)) is None
    assert term_year(start, end_date(start) + timedelta(days=1)) is None


def test_a_renewal_starts_the_day_after_the_previous_enrollment_expires():
    previous = Enrollment("V5700001", "c", "p", date(2024, 2, 29))
    renewed = renewal(previous, "V5700002")
    assert renewed.start == date(2027, 3, 1)
    assert (renewed.customer_id, renewed.partner_id) == ("c", "p")
    assert check_renewal_start(previous, date(2027, 3, 1)) == []


def test_refuses_a_renewal_that_does_not_start_the_day_after_expiry():
    previous = Enrollment("V5700001", "c", "p", date(2025, 4, 1))
    problems = check_renewal_start(previous, date(2028, 4, 2))
    assert [p.code for p in problems] == ["O9.renewal_start_mismatch"]


def test_the_contract_package_has_four_documents_all_unsigned_at_first(draft):
    assert draft.unsigned_documents() == tuple(Document)
    assert len(Document) == 4
    signed = draft.sign(Document.ORDER_FORM)
    assert Document.ORDER_FORM not in signed.unsigned_documents()
    assert len(signed.unsigned_documents()) == 3
