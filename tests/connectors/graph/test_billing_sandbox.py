"""Microsoft's billing in the sandbox, read by the real clients: invoices appear after the
month, the export answers the documented requests in the documented shapes, the billed
lines follow Microsoft's formula for purchases, seat changes and cancellations, the blobs
need a valid, unexpired SAS, and a control injects a discrepancy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests
import time_machine

from connectors.graph import BlobDownloadFailed, ExportFailed
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from tests.connectors.graph.test_billing_documented import documented, sample
from tests.connectors.graph.test_graph_documented import GRAPH_TOKEN, shape

BOUGHT = datetime(2026, 6, 18, 9, 0, tzinfo=UTC)
DAY = 24 * 3600
# The sandbox's partner price of Business Standard P1M monthly: list USD 15.00 at 80%.
UNIT = Decimal("12.00")


@pytest.fixture
def frozen():
    with time_machine.travel(BOUGHT, tick=False):
        yield


@pytest.fixture
def buy(frozen, pc_client, make_customer, line):
    """Buy seats of Business Standard for a new customer: (customer id, subscription id)."""

    bought: list[str] = []

    def purchase(quantity: int = 10, term: str = "P1M") -> tuple[str, str]:
        bought.append(f"billed{len(bought)}")
        customer = make_customer(bought[-1])
        cart = pc_client.create_cart(customer.id, [line(quantity=quantity, term=term)])
        order = pc_client.checkout_cart(customer.id, cart.id).orders[0]
        return customer.id, pc_client.get_order(customer.id, order.id).lines[0].subscription_id

    return purchase


@pytest.fixture
def bought(buy):
    """Ten seats of a monthly term bought on 18 June 2026."""
    return buy()


def until(pc_sandbox, moment: datetime) -> None:
    pc_sandbox.advance((moment - pc_sandbox.now()).total_seconds())


def june_lines(pc_sandbox, pc_client, graph_client):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    return invoice, list(graph_client.billed_reconciliation(invoice.id))


def test_a_months_invoice_appears_on_the_eighth_of_the_next_month(
        pc_sandbox, pc_client, bought):
    until(pc_sandbox, datetime(2026, 7, 7, 23, tzinfo=UTC))
    assert pc_client.invoices_for("2026-06") == ()
    until(pc_sandbox, datetime(2026, 7, 8, 0, 1, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    assert (invoice.billing_period_start.date(), invoice.currency, invoice.total_charges) == (
        date(2026, 6, 1), "USD", Decimal("120.00"))


def test_invoices_page_by_offset_newest_first(pc_sandbox, pc_client, buy):
    buy(term="P1Y")
    until(pc_sandbox, datetime(2026, 8, 9, tzinfo=UTC))  # June's and July's cycle charge
    pages = list(pc_client.list_invoices(page_size=1))
    assert [i.billing_period_start.strftime("%Y-%m") for i in pages] == ["2026-07", "2026-06"]


def test_the_purchase_then_a_seat_addition_are_billed_by_microsofts_formula(
        pc_sandbox, pc_client, graph_client, bought):
    customer, subscription = bought
    pc_sandbox.advance(2 * DAY)  # 20 June: 28 of the cycle's 30 days remain
    pc_client.update_subscription(customer, subscription, quantity=12)
    invoice, lines = june_lines(pc_sandbox, pc_client, graph_client)
    new, refund, charge = lines
    assert (new.charge_type, new.charge_start, new.charge_end) == (
        "new", date(2026, 6, 18), date(2026, 7, 17))
    assert (new.effective_unit_price, new.quantity, new.subtotal) == (UNIT, 10, Decimal("120"))
    effective = UNIT / 30 * 28  # unit price / charge-cycle days x billable days = 11.20
    assert [(x.charge_type, x.charge_start, x.charge_end, x.quantity) for x in (refund, charge)
            ] == [("addQuantity", date(2026, 6, 20), date(2026, 7, 17), 10),
                  ("addQuantity", date(2026, 6, 20), date(2026, 7, 17), 12)]
    assert (refund.effective_unit_price, charge.effective_unit_price) == (-effective, effective)
    assert (refund.subtotal, charge.subtotal) == (Decimal("-112.00"), Decimal("134.40"))
    assert refund.reference_id == charge.reference_id != ""
    assert {x.invoice_number for x in lines} == {invoice.id}
    assert invoice.total_charges == Decimal("142.40")


def test_a_cancellation_inside_the_window_is_refunded_for_the_days_left(
        pc_sandbox, pc_client, graph_client, bought):
    customer, subscription = bought
    pc_sandbox.advance(2 * DAY)
    pc_client.update_subscription(customer, subscription, status="deleted")
    _, (new, cancel) = june_lines(pc_sandbox, pc_client, graph_client)
    assert (cancel.charge_type, cancel.charge_start, cancel.charge_end, cancel.quantity) == (
        "cancelImmediate", date(2026, 6, 20), date(2026, 7, 17), 10)
    # ROUNDDOWN(-11.2, 2) x 10: the refund of 28 of 30 days.
    assert (cancel.effective_unit_price, cancel.subtotal) == (-UNIT / 30 * 28,
                                                               Decimal("-112.00"))


def test_later_cycles_are_cycle_charges_from_the_same_day(pc_sandbox, pc_client,
                                                          graph_client, buy):
    buy(quantity=3, term="P1Y")
    until(pc_sandbox, datetime(2026, 8, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-07")
    (cycle,) = graph_client.billed_reconciliation(invoice.id)
    assert (cycle.charge_type, cycle.charge_start, cycle.charge_end, cycle.quantity) == (
        "cycleCharge", date(2026, 7, 18), date(2026, 8, 17), 3)
    assert cycle.billing_frequency == "Monthly" and cycle.unit_price == Decimal("10.00")


def test_the_sandbox_answers_the_documented_export_requests_in_the_documented_shapes(
        pc_sandbox, pc_client, bought, graph_responses):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    export = documented("billing_export")
    accepted = requests.post(GRAPH_HOST + export["request"]["path"], headers=GRAPH_TOKEN,
                             json=export["request"]["body"] | {"invoiceId": invoice.id},
                             timeout=5)
    location = accepted.headers["Location"]
    assert accepted.status_code == 202 and accepted.content == b""
    assert location.startswith(GRAPH_HOST + "/v1.0/reports/partners/billing/operations/")
    running = requests.get(location, headers=GRAPH_TOKEN, timeout=5)
    assert shape(running.json()) == shape(sample("running")["body"])
    assert running.headers["Retry-After"] == "1"
    succeeded = requests.get(location, headers=GRAPH_TOKEN, timeout=5).json()
    assert shape(succeeded) == shape(sample("succeeded")["body"])
    manifest = requests.get(succeeded["resourceLocation@odata.navigationLink"],
                            headers=GRAPH_TOKEN, timeout=5).json()
    assert shape(manifest) == shape(documented("billing_manifest")["response"]["body"])
    assert manifest["dataFormat"] == "compressedJSONLines"
    assert "sr=d" in manifest["sasToken"] and "sp=rl" in manifest["sasToken"]


def test_every_attribute_the_sandbox_bills_is_a_documented_one(pc_sandbox, pc_client,
                                                               graph_client, bought):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    manifest = graph_client.wait_for_export(graph_client.export_billed_reconciliation(
        invoice.id))
    (record,) = graph_client._blobs.records(manifest.blob_url(manifest.blobs[0]))
    doc = documented("billing_line_items")
    known = {a.lower() for a in doc["attributes"]} | {k.lower() for k in doc["items"][1]}
    assert {k.lower() for k in record} <= known


def test_an_unknown_invoice_fails_the_export_with_microsofts_5000(
        pc_sandbox, graph_client, bought):
    with pytest.raises(ExportFailed) as failed:
        graph_client.billed_reconciliation("G000000000")
    assert failed.value.code == "5000"


def test_blobs_need_the_manifests_unexpired_sas(pc_sandbox, pc_client, graph_client, bought):
    until(pc_sandbox, datetime(2026, 7, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-06")
    manifest = graph_client.wait_for_export(graph_client.export_billed_reconciliation(
        invoice.id))
    url = manifest.blob_url(manifest.blobs[0])
    forged = url.replace("sig=", "sig=x")
    with pytest.raises(BlobDownloadFailed) as refused:
        list(graph_client._blobs.records(forged))
    assert (refused.value.http_status, refused.value.code) == (403, "AuthenticationFailed")
    assert len(list(graph_client._blobs.records(url))) == 1
    pc_sandbox.advance(timedelta(hours=12, seconds=1).total_seconds())
    with pytest.raises(BlobDownloadFailed) as expired:
        list(graph_client._blobs.records(url))
    assert expired.value.http_status == 403


def test_the_control_injects_a_discrepancy_into_microsofts_lines(
        pc_sandbox, pc_client, graph_client, bought, control):
    customer, subscription = bought
    answer = control("/billing/discrepancy", {"kind": "quantity", "quantity": 11,
                                              "subscriptionId": subscription})
    assert answer.status_code == 201 and answer.json()["quantity"] == "11"
    extra = control("/billing/discrepancy", {"kind": "extra", "quantity": 2})
    assert extra.status_code == 201
    _, (changed, unsold) = june_lines(pc_sandbox, pc_client, graph_client)
    assert (changed.quantity, changed.subtotal) == (11, Decimal("132"))
    assert unsold.subscription_id == extra.json()["subscriptionId"] != subscription
    assert control("/billing/discrepancy", {"kind": "amount"}).status_code == 400
    assert control("/billing/discrepancy", {"kind": "amount", "subtotal": "1",
                                            "chargeType": "renew"}).status_code == 404


def test_an_autorenewing_month_renews_and_one_without_autorenew_ends(
        pc_sandbox, pc_client, graph_client, buy):
    renewing = buy(quantity=4)
    ending = buy(quantity=2)
    pc_client.update_subscription(*ending, auto_renew_enabled=False)
    until(pc_sandbox, datetime(2026, 8, 8, 12, tzinfo=UTC))
    (invoice,) = pc_client.invoices_for("2026-07")
    (renewal,) = graph_client.billed_reconciliation(invoice.id)
    assert (renewal.subscription_id, renewal.charge_type, renewal.charge_start,
            renewal.charge_end) == (renewing[1], "renew", date(2026, 7, 18), date(2026, 8, 17))
    assert (renewal.subscription_start, renewal.subscription_end) == (date(2026, 7, 18),
                                                                      date(2026, 8, 17))


def test_an_upgrade_is_billed_as_a_conversion_to_the_end_of_the_sources_cycle(
        pc_sandbox, pc_client, graph_client, bought):
    customer, source = bought
    pc_sandbox.advance(2 * DAY)  # 20 June: 28 of the cycle's 30 days remain
    (offer,) = pc_client.get_transition_eligibilities(customer, source)
    target = pc_client.create_transition(customer, source, offer.catalog_item_id,
                                         4).to_subscription_id
    _, lines = june_lines(pc_sandbox, pc_client, graph_client)
    seen = [(x.subscription_id, x.charge_type, x.charge_start, x.charge_end, x.quantity,
             x.effective_unit_price < 0) for x in lines]
    rest = (date(2026, 6, 20), date(2026, 7, 17))
    assert seen == [(source, "new", date(2026, 6, 18), date(2026, 7, 17), 10, False),
                    (source, "convert", *rest, 10, True), (source, "convert", *rest, 6, False),
                    (target, "convert", *rest, 4, False)]  # coterminous with its source
    until(pc_sandbox, datetime(2026, 8, 8, 12, tzinfo=UTC))
    (july,) = pc_client.invoices_for("2026-07")
    assert sorted((x.subscription_id, x.charge_type, x.charge_start, x.quantity)
                  for x in graph_client.billed_reconciliation(july.id)) == sorted([
        (source, "renew", date(2026, 7, 18), 6), (target, "renew", date(2026, 7, 18), 4)])
