"""Graph's billed Azure usage export (partners-billing-billedusage-export), both ways: the
client sends the documented request and reads a usage record written with the documented
attributes (tests/fixtures/graph/documented/billing_usage_export.json); the sandbox answers
the documented request and bills each Azure subscription of an Azure plan its daily usage,
every attribute a documented one, valued as the daily rated usage file says."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import requests
import time_machine

from connectors.graph import ExportFailed, UsageLineItem
from connectors.partner_center.azure_plan import AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from tests.connectors.graph.test_billing_documented import (
    GRAPH,
    client,
    documented,
    mocked,
    sample,
)
from tests.connectors.graph.test_graph_documented import GRAPH_TOKEN, shape

DOC = documented("billing_usage_export")
BOUGHT = datetime(2026, 6, 18, 9, 0, tzinfo=UTC)


def record(**numbers) -> dict:
    """A usage record: the documented sample values, and a day of a meter (ours)."""
    return {**DOC["sample_values"], "EntitlementId": "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8",
            "EntitlementDescription": "Microsoft Azure", "UsageDate": "2026-06-20T00:00:00Z",
            "MeterCategory": "Storage", "MeterName": "Tables", "Quantity": 10,
            "UnitPrice": "0.045", "EffectiveUnitPrice": "0.03825", "PricingCurrency": "EUR",
            "PricingPreTaxTotal": "0.3825", "BillingPreTaxTotal": "0.41", "BillingCurrency":
            "USD", "PCToBCExchangeRate": "1.0718954", "CreditPercentage": "0",
            "ChargeType": "new", **numbers}


def test_the_client_sends_the_documented_usage_export_request():
    location = DOC["response"]["headers"]["Location"]
    with mocked() as mock:
        mock.post(GRAPH + DOC["request"]["path"], status=202, headers={"Location": location})
        assert client().export_billed_usage("G016907411", "full") == location
        sent = mock.calls[0].request
    assert json.loads(sent.body) == DOC["request"]["body"]


def test_a_usage_record_reads_into_typed_values_whatever_the_key_case():
    item = UsageLineItem.from_wire(record())
    same = UsageLineItem.from_wire({k[0].lower() + k[1:]: v for k, v in record().items()})
    assert item == same
    assert (item.customer_id, item.invoice_number, item.entitlement_id) == (
        "196e2273-9651-43a3-ba7e-7cbcd918fc40", "G002297372",
        "899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8")
    assert (item.usage_date, item.quantity, item.billing_pre_tax_total) == (
        date(2026, 6, 20), Decimal(10), Decimal("0.41"))
    # At the price list's price, in the billing currency: 10 x 0.045 x 1.0718954
    assert item.list_total == Decimal("0.48235293")
    assert UsageLineItem.from_wire(record(CreditPercentage="100")).list_total == 0


def test_k8_a_usage_record_names_its_subscription_and_its_reseller_of_record():
    """What tells apart two resellers' customers of one tenant: the documented sample's
    Tier2MpnId, and the SubscriptionId the record names (sample values only)."""
    item = UsageLineItem.from_wire(record(SubscriptionId="1f6f1c1d-0000-4000-8000-0000000000a1"))
    assert (item.tier2_mpn_id, item.subscription_id) == (
        "67890", "1f6f1c1d-0000-4000-8000-0000000000a1")
    assert UsageLineItem.from_wire({"customerId": "x"}).tier2_mpn_id == ""  # basic set


@pytest.fixture
def plan(pc_client, make_customer, line):
    """An Azure plan bought on 18 June 2026: (tenant id, plan subscription id)."""
    with time_machine.travel(BOUGHT, tick=False):
        customer = make_customer("usageco")
        cart = pc_client.create_cart(customer.id, [line((AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU),
                                                        term="", cycle="one_time")])
        order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
        pc_client.get_order(customer.id, order.id)
        (found,) = [s for s in pc_client.list_subscriptions(customer.id)
                    if s.offer_id.startswith(AZURE_PLAN_PRODUCT)]
    return customer.id, found.id


def until(pc_sandbox, moment: datetime) -> None:
    pc_sandbox.advance((moment - pc_sandbox.now()).total_seconds())


def test_the_sandbox_answers_the_documented_usage_export_in_the_documented_shapes(
        pc_sandbox, pc_client, plan, graph_responses):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    accepted = requests.post(GRAPH_HOST + DOC["request"]["path"], headers=GRAPH_TOKEN,
                             json=DOC["request"]["body"] | {"invoiceId": invoice.id},
                             timeout=5)
    assert accepted.status_code == 202 and accepted.content == b""
    location = accepted.headers["Location"]
    assert shape(requests.get(location, headers=GRAPH_TOKEN, timeout=5).json()) == shape(
        sample("running")["body"])
    assert shape(requests.get(location, headers=GRAPH_TOKEN, timeout=5).json()) == shape(
        sample("succeeded")["body"])


def test_each_day_of_an_azure_subscription_is_billed_on_its_months_invoice(
        pc_sandbox, pc_client, graph_client, plan):
    tenant, _ = plan
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    days = list(graph_client.billed_usage(invoice.id))
    # 18 to 30 June, one D2s v3 around the clock: 24 h at 0.096 less the 15 % earned credit
    assert [d.usage_date for d in days] == [date(2026, 6, n) for n in range(18, 31)]
    assert {(d.customer_id, d.invoice_number, d.quantity, d.billing_pre_tax_total)
            for d in days} == {(tenant, invoice.id, Decimal(24), Decimal("1.9584"))}
    assert days[0].list_total == Decimal("2.304")
    # K8: the reseller of record is the plan's reseller (its MPN ID); the subscription is
    # Microsoft's billing platform's id, which the file's page says is not Partner Center's.
    assert {(d.tier2_mpn_id, d.subscription_id != plan[1]) for d in days} == {
        (seed.RESELLER_MPN_ID, True)}
    assert invoice.total_charges >= 13 * Decimal("1.9584")


def test_every_usage_attribute_is_a_documented_one_and_basic_leaves_out_the_full_ones(
        pc_sandbox, pc_client, graph_client, plan):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    documented_set = DOC["attributes"]
    for attribute_set in ("full", "basic"):
        manifest = graph_client.wait_for_export(graph_client.export_billed_usage(
            invoice.id, attribute_set))
        first = next(iter(graph_client._blobs.records(manifest.blob_url(manifest.blobs[0]))))
        expected = {a for a, where in documented_set.items()
                    if attribute_set == "full" or where == "both"}
        assert set(first) == expected, attribute_set


def test_an_invoice_without_usage_fails_the_usage_export_with_microsofts_5000(
        pc_sandbox, graph_client, plan):
    with pytest.raises(ExportFailed) as failed:
        graph_client.billed_usage("G000000000")
    assert failed.value.code == "5000"


UNBILLED = documented("billing_unbilled_usage_export")


def test_the_client_sends_the_documented_unbilled_usage_export_request():
    location = UNBILLED["response"]["headers"]["Location"]
    with mocked() as mock:
        mock.post(GRAPH + UNBILLED["request"]["path"], status=202,
                  headers={"Location": location})
        assert client().export_unbilled_usage("USD", "current", "full") == location
        sent = mock.calls[0].request
    assert json.loads(sent.body) == UNBILLED["request"]["body"]
    with pytest.raises(ValueError, match="billing_period"):
        client().export_unbilled_usage("USD", "next")


def test_the_sandbox_exports_this_months_usage_so_far_and_nothing_in_another_currency(
        pc_sandbox, pc_client, graph_client, plan, graph_responses):
    tenant, _ = plan
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    accepted = requests.post(GRAPH_HOST + UNBILLED["request"]["path"], headers=GRAPH_TOKEN,
                             json=UNBILLED["request"]["body"], timeout=5)
    assert accepted.status_code == 202 and accepted.content == b""
    days = list(graph_client.unbilled_usage("USD"))
    # 1 to 7 July (today is the 8th), not invoiced: no invoice number
    assert [d.usage_date for d in days] == [date(2026, 7, n) for n in range(1, 8)]
    assert {(d.customer_id, d.invoice_number) for d in days} == {(tenant, "")}
    with pytest.raises(ExportFailed):
        list(graph_client.unbilled_usage("EUR"))
    # June's invoice is out on the 8th: the last period has nothing unbilled left.
    with pytest.raises(ExportFailed):
        list(graph_client.unbilled_usage("USD", "last"))
