"""Partner Center as Microsoft documents it (issue #17), client side, commerce: catalog,
carts, checkout, orders and subscriptions (see test_documented_parsing.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import responses

from connectors.partner_center import CartLineRequest, InvalidRequest, NextTerm
from tests.connectors.documented import OPERATIONS, sample
from tests.connectors.documented_world import Documented, registry
from tests.connectors.test_documented_parsing import CASES as CUSTOMER_CASES

C, S = "<customer-tenant-id>", "<subscription-id>"
CASES, case = registry()


@pytest.fixture
def documented():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Documented(mock)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@case("list_products")
def _products(d: Documented) -> None:
    azure, online = sample("list_products")["responses"]
    d.serve("GET", azure)
    d.serve("GET", online)
    (vm,) = d.client.list_products("US", "AzureReservationsVM")
    (basic,) = d.client.list_products("US", "OnlineServices")
    assert (vm.id, vm.product_type, vm.publisher_name) == ("DZH318Z0BQ3Q", "Azure", "Microsoft")
    assert (basic.id, basic.product_type) == ("CFQ7TTC0LH18", "OnlineServicesNCE")


@case("list_skus")
def _skus(d: Documented) -> None:
    reservations, online = sample("list_skus")["responses"]
    d.serve("GET", reservations)
    d.serve("GET", online)
    first, _second = d.client.list_skus("DZH318Z0BQ5S", "US")
    (basic,) = d.client.list_skus("CFQ7TTC0LH18", "US")
    assert (first.id, first.maximum_quantity, first.supported_billing_cycles) == (
        "0001", 999999999, ("one_time",))
    assert (basic.product_id, basic.minimum_quantity, basic.maximum_quantity) == (
        "CFQ7TTC0LH18", 1, 300)
    assert basic.purchase_prerequisites == ("MicrosoftCloudAgreement",)


@case("list_availabilities")
def _availabilities(d: Documented) -> None:
    collection, bare = sample("list_availabilities")["responses"]
    d.serve("GET", collection)
    d.serve("GET", bare)  # the new-commerce sample: one Availability, no collection
    (reservation,) = d.client.list_availabilities("DZH318Z0BQ3Q", "0001", "US")
    (basic,) = d.client.list_availabilities("CFQ7TTC0LH18", "0001", "US")
    assert reservation.catalog_item_id == "DZH318Z0BQ3Q:0001:DZH318XZXVNF"
    assert (basic.catalog_item_id, basic.currency_code, basic.is_purchasable) == (
        "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "USD", True)
    assert [(t.duration, t.billing_cycle) for t in basic.terms] == [("P1Y", "Annual")]


@case("create_cart")
def _create_cart(d: Documented) -> None:
    d.serve("POST", sample("create_cart")["response"])
    cart = d.client.create_cart(C, [CartLineRequest("CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5", 1,
                                                    "P1Y", "monthly")])
    (line,) = cart.lines
    assert (cart.status, cart.expires - cart.created > timedelta(days=7)) == ("Active", True)
    assert (line.id, line.order_group, line.billing_cycle, line.error) == (0, "0", "monthly",
                                                                           None)
    assert (line.pricing.price, line.pricing.extended_price) == (Decimal("30.4"),
                                                                 Decimal("364.8"))


@case("create_cart[legacy and mixed lines]")
def _mixed_cart(d: Documented) -> None:
    d.serve("POST", sample("create_cart")["alternatives"][0]["response"])
    cart = d.client.create_cart(C, [])
    assert [ln.order_group for ln in cart.lines] == ["OMS-0", "0", "0", "0", "1", "2"]
    assert cart.lines[3].term_duration == "" and cart.lines[5].billing_cycle == "none"


@case("create_cart[partner of record, no status line]")
def _attested_cart(d: Documented) -> None:
    d.serve("POST", sample("create_cart")["alternatives"][1]["response"], status=201)
    cart = d.client.create_cart(C, [])
    assert [ln.quantity for ln in cart.lines] == [1, 2] and cart.lines[0].pricing is None


@case("get_cart")
def _get_cart(d: Documented) -> None:
    # No sample: the Cart create-a-cart answers, read back with 200.
    d.serve("GET", sample("create_cart")["response"], status=sample("get_cart")["response"][
        "status"])
    assert d.client.get_cart(C, "2517c51b").id == "2517c51b-58cd-4abe-87ed-3ab812401ab4"


@case("checkout_cart")
def _checkout(d: Documented) -> None:
    d.serve("POST", sample("checkout_cart")["response"])
    result = d.client.checkout_cart(C, "cart")
    assert [o.status for o in result.orders] == ["completed", "pending", "pending"]
    assert result.orders[0].lines[0].subscription_id == "EF2E1307-86E6-40E3-A794-872403FBD31C"
    assert [ln.subscription_id for ln in result.orders[1].lines] == [None, None, None]
    assert result.orders[1].lines[2].term_duration == "" and result.order_errors == ()


@case("checkout_cart[new commerce, one bare Order]")
def _checkout_new_commerce(d: Documented) -> None:
    d.serve("POST", sample("checkout_cart")["alternatives"][0]["response"])
    (order,) = d.client.checkout_cart(C, "cart").orders
    (line,) = order.lines
    assert (order.id, order.status, order.created.tzinfo is not None) == ("a68736758d9c",
                                                                          "pending", True)
    assert (line.subscription_id, line.pricing.extended_price) == (
        "0c353b8e-da9d-4007-d0d4-bca8bd5b5ce1", Decimal("36.48"))


@case("get_order")
def _get_order(d: Documented) -> None:
    d.serve("GET", sample("get_order")["response"])
    order = d.client.get_order(C, "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1")
    assert (order.status, order.billing_cycle, order.customer_id) == (
        "completed", "one_time", "b0d70a69-4c42-4b27-b17b-91a835d8686a")
    assert order.lines[0].offer_id == "DZH318Z0BQ4Z:002L:DZH318Z0CMNP"
    assert order.created == _utc(2018, 3, 13, 22, 49, 54, 339694)


@case("list_orders")
def _list_orders(d: Documented) -> None:
    d.serve("GET", sample("list_orders")["response"])
    reservation, legacy = d.client.list_orders(C)
    assert (reservation.status, legacy.status) == ("pending", "completed")
    assert legacy.created == _utc(2018, 3, 7, 1, 37, 5, 253000)  # -08:00 in the sample
    assert legacy.lines[0].subscription_id == "DB8C695B-1C3C-4C55-B697-771503DD46BF"


@case("get_order_provisioning_status")
def _provisioning(d: Documented) -> None:
    d.serve("GET", sample("get_order_provisioning_status")["response"])
    status = d.client.get_order_provisioning_status(C, "34828C05")
    assert [(s.line_item_number, s.status) for s in status] == [(0, "fulfilled")]


@case("cancel_order")
def _cancel_order(d: Documented) -> None:
    doc = sample("cancel_order")
    d.serve("GET", doc["response"])
    d.serve("PATCH", doc["response"])
    order = d.client.cancel_order(C, doc["request"]["body"]["id"], [0])
    assert (order.status, [ln.quantity for ln in order.lines]) == ("completed", [0, 1])
    (sent,) = d.sent("PATCH")  # the documented request: id, status and only the named line
    assert sent == doc["request"]["body"]


@case("cancel_order[integration sandbox]")
def _cancel_whole_order(d: Documented) -> None:
    alternative = sample("cancel_order")["alternatives"][0]
    d.serve("GET", alternative["response"])
    d.serve("PATCH", alternative["response"])
    order = d.client.cancel_order(C, alternative["request"]["body"]["id"], [0])
    assert (order.status, order.lines[0].term_duration) == ("cancelled", "")


@case("list_subscriptions")
def _list_subscriptions(d: Documented) -> None:
    doc = sample("list_subscriptions")
    for answer in (doc["response"], doc["alternatives"][0]["response"],
                   doc["alternatives"][1]["response"]):
        d.serve("GET", answer)
    (legacy,) = d.client.list_subscriptions(C)
    (software,) = d.client.list_subscriptions(C)
    (by_order,) = d.client.list_subscriptions(C, order_id="{id-for-order}")
    assert (legacy.friendly_name, legacy.created, legacy.etag) == ("nickname", None, "<etag>")
    assert (software.billing_cycle, software.term_duration) == ("triennial", "P3Y")
    assert software.cancellation_allowed_until == _utc(2021, 11, 14, 23, 59)
    assert by_order.order_id == "{id-for-order}"


@case("get_subscription")
def _get_subscription(d: Documented) -> None:
    d.serve("GET", sample("get_subscription")["response"])
    sub = d.client.get_subscription(C, S)
    assert (sub.quantity, sub.status, sub.order_id, sub.partner_id, sub.etag) == (
        15, "expired", "34b37d7340cc", "", "")
    assert [(r.quantity, r.allowed_until) for r in sub.refundable] == [
        (10, _utc(2021, 1, 24, 20, 39, 17, 182697))]
    assert (sub.refundable_quantity, sub.commitment_end) == (10, _utc(2022, 1, 13))


@case("get_subscription[legacy]")
def _get_legacy_subscription(d: Documented) -> None:
    for alternative in sample("get_subscription")["alternatives"]:
        d.serve("GET", alternative["response"])
    azure, addon = d.client.get_subscription(C, S), d.client.get_subscription(C, S)
    # A legacy resource reports no refundableQuantity: "not reported", not "none refundable".
    assert (azure.offer_id, azure.commitment_end.year, azure.refundable) == (
        "MS-AZR-0145P", 9999, None)
    assert addon.etag.startswith("eyJ") and addon.auto_renew_enabled is True


def _patched(d: Documented, answer: dict, **change) -> object:
    """Change a subscription whose GET is the documented new-commerce one."""
    d.serve("GET", sample("get_subscription")["response"])
    d.serve("PATCH", answer)
    return d.client.update_subscription(C, S, **change)


@case("update_subscription")
def _rename(d: Documented) -> None:
    legacy = sample("update_subscription")["responses"][0]  # PascalCase: Links.Offer.Uri…
    sub = _patched(d, legacy, auto_renew_enabled=True)
    assert (sub.id, sub.friendly_name, sub.quantity) == (
        "83ef9d05-4169-4ef9-9657-0e86b1eab1de", "nickname", 1)
    assert (sub.auto_renew_enabled, sub.order_id, sub.etag) == (
        True, "6183db3d-6318-4e52-877e-25806e4971be", "<etag>")
    (sent,) = d.sent("PATCH")  # the full resource, as the page asks
    assert set(sample("get_subscription")["response"]["body"]) <= set(sent)


@case("update_subscription[202 and Location]")
def _accepted(d: Documented) -> None:
    sub = _patched(d, sample("update_subscription")["responses"][1], auto_renew_enabled=False)
    assert sub.id == "a4c1340d-6911-4758-bba3-0c4c6007d161"
    assert "subscriptionID" in d.mock.calls[-1].request.url  # read where Location points


@case("update_subscription_quantity")
def _seats(d: Documented) -> None:
    legacy = sample("update_subscription_quantity")["responses"][0]
    assert _patched(d, legacy, quantity=2).quantity == 2


@case("update_subscription_quantity[202 with a body]")
def _seats_accepted(d: Documented) -> None:
    accepted = sample("update_subscription_quantity")["responses"][1]
    d.serve("GET", sample("get_subscription")["response"])
    d.serve("PATCH", accepted)
    d.serve("GET", accepted, status=200)  # a 202 is read again where it points
    sub = d.client.update_subscription(C, S, quantity=1)
    assert (sub.quantity, sub.refundable_quantity) == (1, 1)


@case("update_subscription_quantity[800090]")
def _seats_refused(d: Documented) -> None:
    error = sample("update_subscription_quantity")["error_samples"][0]
    with pytest.raises(InvalidRequest) as caught:  # no status line; error-codes.md: 400
        _patched(d, error | {"status": 400}, quantity=1)
    assert (caught.value.http_status, caught.value.code) == (400, "800090")


@case("update_subscription_autorenew")
def _autorenew(d: Documented) -> None:
    sub = _patched(d, sample("update_subscription_autorenew")["response"],
                   auto_renew_enabled=False)
    assert (sub.auto_renew_enabled, sub.etag, sub.offer_id) == (
        False, "", "DZH318Z0BXWC:0001:DZH318Z0BMJX")


@case("cancel_subscription")
def _cancel(d: Documented) -> None:
    sub = _patched(d, sample("cancel_subscription")["response"], status="deleted")
    assert (sub.status, sub.auto_renew_enabled) == ("deleted", False)
    assert d.sent("PATCH")[0]["status"] == "deleted"


@case("suspend_subscription")
def _suspend(d: Documented) -> None:
    sub = _patched(d, sample("suspend_subscription")["response"] | {"status": 200},
                   status="suspended")
    assert (sub.status, sub.auto_renew_enabled, sub.etag) == ("suspended", False, "<etag>")
    assert d.sent("PATCH")[0]["status"] == "suspended"


@case("reactivate_subscription")
def _reactivate(d: Documented) -> None:
    sub = _patched(d, sample("reactivate_subscription")["response"] | {"status": 200},
                   status="active")
    assert sub.status == "active" and d.sent("PATCH")[0]["status"] == "active"


@case("schedule_next_term")
def _schedule_next_term(d: Documented) -> None:
    d.serve("GET", sample("get_subscription")["response"])
    d.serve("PATCH", sample("schedule_next_term")["response"])
    wanted = NextTerm("DG7GMGF0DVSV", "000P", "DG7GMGF0F3Q9", "P3Y", "annual", 1)
    sub = d.client.schedule_next_term(C, S, wanted)
    # The answer's "Annual" reads as the lower-case cycle the resource uses elsewhere.
    assert sub.next_term == NextTerm("DG7GMGF0DVSV", "000P", "DG7GMGF0F3Q9", "P3Y", "annual",
                                     1, "39NFJQT1PFPJ:000H:39NFJQT1Q5DK")
    (sent,) = d.sent("PATCH")  # the full resource, autorenew on, as the page asks
    assert sent["autoRenewEnabled"] is True
    assert sent["scheduledNextTermInstructions"] == {
        "product": {"productId": "DG7GMGF0DVSV", "skuId": "000P",
                    "availabilityId": "DG7GMGF0F3Q9", "billingCycle": "annual",
                    "termDuration": "P3Y"}, "quantity": 1}
    assert set(sample("get_subscription")["response"]["body"]) <= set(sent)


@case("schedule_next_term[withdrawn]")
def _withdraw_next_term(d: Documented) -> None:
    d.serve("GET", sample("get_subscription")["response"])
    d.serve("PATCH", sample("get_subscription")["response"])
    sub = d.client.schedule_next_term(C, S, None)
    assert sub.next_term is None  # the documented resource without a schedule
    assert d.sent("PATCH")[0]["scheduledNextTermInstructions"] is None


@case("get_transition_eligibilities")
def _transition_eligibilities(d: Documented) -> None:
    d.serve("GET", sample("get_transition_eligibilities")["response"])
    e5, premium = d.client.get_transition_eligibilities(C, S)
    assert (e5.catalog_item_id, e5.quantity, e5.transition_types) == (
        "CFQ7TTC0KZCR:0001:CFQ7TTC0K71H", 1, ("transition_only",))
    shorter, eligible = e5.targets
    assert (shorter.eligible, shorter.error_codes, shorter.term_duration) == (False, (3,), "P1M")
    assert (eligible.eligible, eligible.subscription_id) == (
        True, "151467a1-4246-4a00-da7b-3405463d9b78")
    assert (premium.transition_types, premium.targets) == ((), ())  # no list: no target
    assert "eligibilityType=immediate" in d.mock.calls[-1].request.url


@case("create_transition")
def _create_transition(d: Documented) -> None:
    d.serve("POST", sample("create_transition")["response"])
    moved = d.client.create_transition(C, S, "CFQ7TTC0LF8R:0001:CFQ7TTC0KCSV", 2,
                                       to_subscription_id="0af52192-4a2a-4364-d25b-c8ecab3a5697")
    assert (moved.quantity, moved.transition_type, moved.status) == (2, "transition_only",
                                                                     "Started")  # trimmed
    assert moved.to_subscription_id == "0af52192-4a2a-4364-d25b-c8ecab3a5697"
    (sent,) = d.sent("POST")
    assert (sent["toCatalogItemId"], sent["quantity"], sent["transitionType"]) == (
        "CFQ7TTC0LF8R:0001:CFQ7TTC0KCSV", 2, "transition_only")


@case("get_transitions")
def _transitions(d: Documented) -> None:
    d.serve("GET", sample("get_transitions")["response"])
    (moved,) = d.client.get_transitions(C, S)  # under "transition", not "items"
    assert (moved.to_catalog_item_id, moved.quantity, moved.transition_type) == (
        "CFQ7TTC0LF8S:0001:CFQ7TTC0K9G9", 1, "transition_with_license_transfer")
    assert moved.status == "Completed"  # the latest event's, trimmed
    assert moved.from_subscription_id == ""  # the sample omits it: the one asked for
    assert moved.converted_at == _utc(2021, 1, 8, 18, 37, 41, 591855)  # Completed
    assert d.mock.calls[-1].request.url.endswith("/subscriptions/%3Csubscription-id%3E"
                                                 "/transitions")


@case("get_custom_term_end_dates")
def _custom_term_end_dates(d: Documented) -> None:
    d.serve("GET", sample("get_custom_term_end_dates")["response"])
    month_end, aligned = d.client.get_custom_term_end_dates(C, "P1M")
    assert (month_end.kind, month_end.end_date, month_end.coterm_subscription_ids) == (
        "calendarMonthAligned", date(2023, 7, 31), ())
    assert (aligned.kind, aligned.end_date) == ("subscriptionAligned", date(2023, 8, 1))
    assert aligned.coterm_subscription_ids == ("5fcf618b-1daa-4604-da99-cc3e1c9ee422",
                                               "d30a9ff9-713e-4546-c97e-f06b9dcf6ef6")
    assert "term_duration=P1M" in d.mock.calls[-1].request.url


@case("create_cart[custom term end date]")
def _cotermed_cart(d: Documented) -> None:
    d.serve("POST", sample("create_cart")["response"])
    d.client.create_cart(C, [CartLineRequest("CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5", 1, "P1M",
                                             "monthly", custom_term_end_date=date(2023, 8, 1))])
    (sent,) = d.sent("POST")
    assert sent["lineItems"][0]["customTermEndDate"] == "2023-08-01T00:00:00"  # cart-resources


def test_every_documented_operation_is_read_by_the_client():
    checked = {name.split("[")[0] for name in CUSTOMER_CASES | CASES}
    assert {fixture for files in OPERATIONS.values() for fixture in files} <= checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_client_reads_each_documented_commerce_response_into_its_typed_values(
        name, documented):
    CASES[name](documented)

