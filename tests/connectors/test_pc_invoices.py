"""GET /v1/invoices as Microsoft documents it (get-a-collection-of-invoices, fixture
tests/fixtures/partner_center/documented/list_invoices.json): the client reads the
documented answer and follows its offset link; the sandbox answers the documented request
in the documented shape."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import requests
import responses
import time_machine

from connectors.partner_center import PartnerCenterClient, SandboxTokenProvider
from connectors.partner_center.client import LIVE_BASE_URL
from tests.connectors.documented import sample, shape_differences

INVOICE_RESOURCES = "https://learn.microsoft.com/partner-center/developer/invoice-resources"


def test_the_client_reads_the_documented_invoices_and_follows_the_offset_link():
    doc = sample("list_invoices")
    with responses.RequestsMock() as mock:
        mock.get(LIVE_BASE_URL + "/v1/invoices", json=doc["response"]["body"],
                 match=[responses.matchers.query_param_matcher({"size": "200",
                                                                "offset": "0"})])
        mock.get(LIVE_BASE_URL + "/v1/invoices", json={"totalCount": 0, "items": []},
                 match=[responses.matchers.query_param_matcher({"size": "2",
                                                                "offset": "2"})])
        client = PartnerCenterClient(requests.Session(), LIVE_BASE_URL,
                                     SandboxTokenProvider("partner"))
        recurring, void = client.list_invoices()
    assert (recurring.id, recurring.total_charges, recurring.currency) == (
        "D02005YFHI", Decimal("24606.35"), "GBP")
    assert recurring.is_invoice and recurring.details[0].billing_provider == "office"
    assert recurring.covers("2016-12")  # no billing period given: issued the month after
    assert not void.is_invoice and void.document_type == "void_note"
    (amendment,) = void.amendments
    assert (amendment.amends, amendment.total_charges) == ("G000024130", Decimal("107661.12"))


def test_the_sandbox_answers_the_documented_request_in_the_documented_shape(
        pc_responses, pc_sandbox, pc_client, make_customer, line):
    with time_machine.travel(datetime(2026, 6, 18, 9, tzinfo=UTC), tick=False):
        customer = make_customer()
        cart = pc_client.create_cart(customer.id, [line()])
        order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
        pc_client.get_order(customer.id, order.id)  # provisioned: Microsoft bills it
        pc_sandbox.advance(30 * 24 * 3600)
        doc = sample("list_invoices")
        answer = requests.get(LIVE_BASE_URL + doc["request"]["path"],
                              params=doc["request"]["query"],
                              headers={"Authorization": "Bearer sandbox-app:partner"},
                              timeout=5)
    assert answer.status_code == 200
    documented = doc["response"]["body"]
    # Both documented on invoice-resources; pdfDownloadLink only when read by id.
    allowed = frozenset({"items[].billingPeriodStartDate", "items[].billingPeriodEndDate"})
    absent = frozenset({"items[].pdfDownloadLink", "items[].taxReceipts", "items[].amendments",
                        "links.next"})
    assert shape_differences(documented, answer.json(), allowed=allowed,
                             absent_ok=absent) == [], INVOICE_RESOURCES
