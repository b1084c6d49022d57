"""C1: annual billing is sold only when both provider switches are on."""

import pytest

from checkout.context import BillingSettings
from checkout.rules.c01_annual_billing import check
from tests.checkout.factories import URLS, annual, codes, context, line


def with_switches(billing: bool, provisioning: bool, lines):
    return context(settings=BillingSettings(annual_billing_cycle_enabled=billing,
                                            annual_provisioning_enabled=provisioning),
                   lines=lines)


@pytest.mark.parametrize(("billing", "provisioning", "expected"), [
    (True, True, []),
    (True, False, ["C1.annual_billing_disabled"]),
    (False, True, ["C1.annual_billing_disabled"]),
    (False, False, ["C1.annual_billing_disabled"]),
])
def test_annual_billing_needs_both_switches_on(billing, provisioning, expected):
    assert codes(check(with_switches(billing, provisioning, (annual(),)))) == expected


@pytest.mark.parametrize(("billing", "provisioning"), [(True, True), (True, False),
                                                       (False, True), (False, False)])
def test_monthly_billing_is_allowed_whatever_the_switches(billing, provisioning):
    assert check(with_switches(billing, provisioning, (line(),))) == []


def test_the_message_names_the_switch_that_is_off_and_links_the_settings():
    (problem,) = check(with_switches(True, False, (line(), annual(1))))
    assert problem.line == 1
    assert "annual provisioning" in problem.message
    assert "billing settings" not in problem.message
    assert problem.fix_url == URLS.billing_choice + "#line-1-billing"  # that line's choice
