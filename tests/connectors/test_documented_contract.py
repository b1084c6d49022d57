"""Partner Center as Microsoft documents it (issue #17), sandbox side.

Every operation the client calls has Microsoft's sample in tests/fixtures/partner_center/
documented. Each documented request is sent to the sandbox as documented (method, path
shape, query, body, key and enum casing: "BillingCycle": "Monthly"), with the sample's
placeholder ids and catalog items swapped for ones the sandbox has; the answer must carry
the documented status and every documented key with its JSON type, and add no key the docs
do not show, except those in ALLOWED, each with the page that documents it. Documented
error samples are provoked the same way.

Where a sample shows another product generation than the sandbox sells (legacy offers,
Azure reservations, marketplace SaaS), the new-commerce sample of the same resource is the
yardstick; the scenarios (documented_*_scenarios.py) say where. The client side is in
test_documented_parsing.py.
"""

from __future__ import annotations

import itertools

import pytest

from connectors.partner_center.commerce_api import CommerceApi
from connectors.partner_center.customers_api import CustomersApi
from tests.connectors.documented import OPERATIONS, sample, shape_differences
from tests.connectors.documented_commerce_scenarios import COMMERCE
from tests.connectors.documented_customer_scenarios import CUSTOMERS
from tests.connectors.documented_world import World

DEV = "https://learn.microsoft.com/partner-center/developer/"
SUBSCRIPTION_EXTRAS = {
    "actions": DEV + "subscription-resources (Subscription.actions)",
    "cancellationAllowedUntilDate": DEV + "subscription-resources; also the software "
                                          "sample of get-all-of-a-customer-s-subscriptions",
    "attributes.etag": DEV + "utility-resources#resourceattributes; the legacy samples of "
                             "get-a-subscription-by-id carry it, the PATCH answers show \"\"",
    "commitmentEndDateTime": DEV + "get-a-subscription-by-id (the quantity page's sample "
                                   "lacks it)",
    "scheduledNextTermInstructions": DEV + "create-scheduled-changes (null until scheduled); "
                                           "subscription-resources",
}
# Keys the sandbox answers that an operation's sample lacks, and the page documenting each.
ALLOWED: dict[str, dict[str, str]] = {
    "create_customer": {
        "companyProfile.companyName": DEV + "create-a-customer-for-an-indirect-reseller",
        "companyProfile.links": DEV + "create-a-customer-for-an-indirect-reseller"},
    "list_customers": {"items[].links": DEV + "get-a-customer-by-name",
                       "items[].companyProfile.links": DEV + "get-a-customer-by-name"},
    "checkout_cart": {"orderErrors": DEV + "cart-resources#cartcheckoutresult"},
    "cancel_order": {"lineItems[].pricing": DEV + "order-resources#orderlineitem",
                     "lineItems[].subscriptionId": DEV + "order-resources#orderlineitem",
                     "totalPrice": DEV + "checkout-a-cart (the new-commerce Order)",
                     "links": DEV + "order-resources#order; cancel-software-purchases",
                     "client": DEV + "cancel-software-purchases"},
    "list_subscriptions": {f"items[].{k}": v for k, v in SUBSCRIPTION_EXTRAS.items()},
    "get_transition_eligibilities": {
        "items[].subscriptionEligibilities[].errors[].code": DEV + "transition-a-new-commerce-"
                                                            "subscription (codes 1-4)"},
    "create_transition": {"events": DEV + "transition-resources#transition (the sample "
                                          "spells it Events)"},
    "get_transitions": {
        **{f"transition[].{k}": DEV + "transition-resources#transition (the sample spells "
                                      "it with a capital)" for k in (
            "fromCatalogItemId", "toCatalogItemId", "events")},
        **{f"transition[].{k}": DEV + "transition-resources#transition" for k in (
            "fromSubscriptionId", "toSubscriptionId", "termDuration", "billingCycle")}},
    **dict.fromkeys(("get_subscription", "update_subscription", "update_subscription_quantity",
                     "update_subscription_autorenew", "cancel_subscription",
                     "suspend_subscription", "reactivate_subscription", "schedule_next_term"),
                    SUBSCRIPTION_EXTRAS),
}
SCENARIOS = CUSTOMERS | COMMERCE


def _public_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items()
            if callable(value) and not name.startswith("_")}


def test_every_operation_the_client_calls_has_a_documented_sample():
    assert _public_methods(CustomersApi) | _public_methods(CommerceApi) == set(OPERATIONS)
    for name in itertools.chain.from_iterable(OPERATIONS.values()):
        documented = sample(name)
        assert documented["operation"] == name
        assert documented["source"].startswith("https://learn.microsoft.com/")


def test_every_documented_sample_is_checked_against_the_sandbox():
    checked = {name.split("[")[0] for name in SCENARIOS}
    assert set(itertools.chain.from_iterable(OPERATIONS.values())) <= checked


@pytest.fixture
def world(pc_responses, pc_sandbox, pc_client, make_customer, line) -> World:
    return World(pc_sandbox, pc_client, make_customer, line)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_sandbox_answers_each_documented_request_with_the_documented_status_and_shape(
        name, world):
    check = SCENARIOS[name](world)
    answer = check.response
    if check.status is not None:
        assert answer.status_code == check.status, answer.text
    body = answer.json() if answer.content else None
    if check.body is None:
        assert body is None
        return
    allowed = frozenset(ALLOWED.get(check.operation, {}))
    assert shape_differences(check.body, body, allowed=allowed,
                             absent_ok=frozenset(check.absent_ok)) == []
    assert {k: body[k] for k in check.equal} == {k: check.body[k] for k in check.equal}
