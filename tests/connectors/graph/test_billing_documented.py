"""The billed invoice reconciliation export as Microsoft documents it, client side: the
client sends the documented request and reads every documented answer (the fixtures
billing_*.json in tests/fixtures/graph/documented, each naming its page), polls as Graph
asks, and reads the blobs without Graph's token and without leaking the SAS."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from connectors.graph import (
    BlobDownloadFailed,
    ExportFailed,
    ExportNotReady,
    GraphClient,
    ReconciliationLineItem,
    SandboxGraphTokenProvider,
)

DOCUMENTED = Path(__file__).resolve().parents[2] / "fixtures" / "graph" / "documented"
DOC = "https://graph.microsoft.com/v1.0"
GRAPH = "https://graph.microsoft.com"


def documented(name: str) -> dict[str, Any]:
    return json.loads((DOCUMENTED / f"{name}.json").read_text())


def sample(name: str) -> dict[str, Any]:
    return next(s for s in documented("billing_operation")["samples"] if s["name"] == name)


def blob(items: list[dict[str, Any]]) -> bytes:
    """A gzip JSON Lines file, as the manifest's blobs are."""
    return gzip.compress("".join(json.dumps(i) + "\n" for i in items).encode())


MANIFEST = documented("billing_manifest")["response"]["body"]
BLOB_URL = f"{MANIFEST['rootDirectory']}/{MANIFEST['blobs'][0]['name']}"
ITEMS = documented("billing_line_items")["items"]


def mocked() -> responses.RequestsMock:
    """Graph and the blob store answered from the documented samples."""
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def client(sleeps: list[float] | None = None, **kw: Any) -> GraphClient:
    return GraphClient(requests.Session(), DOC, token_provider=SandboxGraphTokenProvider(),
                       sleeper=(sleeps if sleeps is not None else []).append, **kw)


def serve_export(mock: responses.RequestsMock, operations: list[str]) -> str:
    """The documented answers: 202 + Location, then the operation samples in turn, the
    manifest and its one blob. Returns the operation URL."""
    export = documented("billing_export")
    location = export["response"]["headers"]["Location"]
    mock.post(GRAPH + export["request"]["path"], status=202, headers={"Location": location})
    for name in operations:
        found = sample(name)
        mock.get(location, json=found["body"], status=found["status"], headers=found["headers"])
    manifest_url = sample("succeeded")["body"]["resourceLocation@odata.navigationLink"]
    mock.get(manifest_url, json=MANIFEST)
    mock.get(BLOB_URL, body=blob(ITEMS), content_type="application/octet-stream")
    return location


def test_the_client_sends_the_documented_export_request():
    doc = documented("billing_export")
    with mocked() as mock:
        location = serve_export(mock, [])
        assert client().export_billed_reconciliation("G016907411", "full") == location
        sent = mock.calls[0].request
    assert json.loads(sent.body) == doc["request"]["body"]
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_the_client_reads_the_three_documented_operation_states():
    with mocked() as mock:
        location = serve_export(mock, ["running", "succeeded", "failed"])
        graph = client()
        running, succeeded, failed = (graph.get_billing_operation(location) for _ in range(3))
    assert (running.status, running.retry_after, running.manifest_url) == (
        "running", 10.0, None)
    assert succeeded.status == "succeeded"
    assert succeeded.manifest_url.endswith("/manifests/8fe347d7-1e0f-4bd6-9091-4672691f32db")
    assert (failed.status, failed.error_code, failed.error_message) == (
        "failed", "5000", "No data available")


def test_the_download_url_is_the_root_directory_the_blob_name_and_the_sas_token():
    with mocked() as mock:
        serve_export(mock, ["succeeded"])
        manifest = client().get_billing_manifest(
            sample("succeeded")["body"]["resourceLocation@odata.navigationLink"])
    assert manifest.blob_url(manifest.blobs[0]) == f"{BLOB_URL}?{MANIFEST['sasToken']}"
    assert (manifest.etag, manifest.partner_tenant_id) == (
        "WYjLro78HdMg6vUWR", "0e195b37-4574-4539-bc42-0e539b9684c0")


def test_the_whole_export_waits_as_graph_asks_and_reads_the_documented_line_items():
    sleeps: list[float] = []
    with mocked() as mock:
        serve_export(mock, ["running", "succeeded"])
        items = list(client(sleeps).billed_reconciliation("G016907411"))
        download = mock.calls[-1].request
    assert sleeps == [10.0]  # the running operation's Retry-After
    trial, power_bi, e3 = items
    assert (power_bi.charge_type, power_bi.unit_price, power_bi.effective_unit_price) == (
        "new", Decimal("16"), Decimal("14.4"))
    assert (power_bi.billable_quantity, power_bi.subtotal, power_bi.total) == (
        Decimal("50"), Decimal("720"), Decimal("793"))
    assert (power_bi.charge_start, power_bi.charge_end) == (date(2021, 5, 20),
                                                             date(2021, 6, 19))
    assert power_bi.subscription_id == "9d7d1f3d-c8de-461c-db6d-91debd5129f0"
    assert (trial.quantity, trial.subtotal, trial.reseller_mpn_id) == (
        Decimal("25"), Decimal(0), "4649221")
    assert (e3.total, e3.tax_total, e3.exchange_rate) == (
        Decimal("17.61"), Decimal("1.61"), Decimal(1))  # numbers as JSON numbers
    # The blob store is not Graph: the SAS is the credential, our token stays home.
    assert "Authorization" not in download.headers
    assert "sig=RpVY0WBGUHJ2APB3N76jtMak8loAWY4oiA0" in download.url


def test_line_items_read_the_same_in_the_attribute_tables_pascal_case():
    item = ITEMS[1]
    pascal = {k[:1].upper() + k[1:]: v for k, v in item.items()}
    pascal["PCToBCExchangeRate"] = pascal.pop("PcToBCExchangeRate")
    assert ReconciliationLineItem.from_wire(pascal) == ReconciliationLineItem.from_wire(item)


def test_a_failed_export_raises_with_microsofts_code():
    with mocked() as mock:
        serve_export(mock, ["failed"])
        with pytest.raises(ExportFailed) as failed:
            client().billed_reconciliation("G016907411")
    assert (failed.value.code, failed.value.message) == ("5000", "No data available")


def test_polling_stops_after_the_allowed_polls_and_never_waits_longer_than_allowed():
    sleeps: list[float] = []
    with mocked() as mock:
        location = serve_export(mock, [])
        running = sample("running")
        mock.get(location, json=running["body"], headers={"Retry-After": "3600"})
        with pytest.raises(ExportNotReady) as late:
            client(sleeps).billed_reconciliation("G016907411", max_polls=3, max_wait=30)
    assert sleeps == [30, 30, 30] and late.value.retryable


def test_a_busy_blob_store_is_retried_and_an_expired_sas_is_refused_without_leaking_it(
        caplog):
    caplog.set_level(logging.INFO, logger="connectors.graph")
    sleeps: list[float] = []
    with mocked() as mock:
        serve_export(mock, ["succeeded"])
        mock.replace(responses.GET, BLOB_URL, status=503, headers={"Retry-After": "2",
                                                                   "x-ms-error-code": "ServerBusy"})
        mock.add(responses.GET, BLOB_URL, body=blob(ITEMS))
        assert len(list(client(sleeps).billed_reconciliation("G016907411"))) == 3
    assert sleeps == [2.0]
    with mocked() as mock:
        serve_export(mock, ["succeeded"])
        mock.replace(responses.GET, BLOB_URL, status=403,
                     headers={"x-ms-error-code": "AuthenticationFailed"})
        with pytest.raises(BlobDownloadFailed) as refused:
            list(client().billed_reconciliation("G016907411"))
    assert refused.value.http_status == 403 and "export the data again" in str(refused.value)
    assert "sig=" not in str(refused.value)
    assert "sig=" not in caplog.text and "RpVY0WBGUHJ2APB3N76jtMak8loAWY4oiA0" not in caplog.text


def test_a_blob_that_is_not_json_lines_names_the_line():
    with mocked() as mock:
        serve_export(mock, ["succeeded"])
        mock.replace(responses.GET, BLOB_URL, body=gzip.compress(b'{"chargeType": "new"}\n{oops\n'))
        with pytest.raises(BlobDownloadFailed, match="line 2 is not JSON"):
            list(client().billed_reconciliation("G016907411"))


@pytest.mark.parametrize("bad", [{"invoice_id": ""}, {"invoice_id": "G1",
                                                       "attribute_set": "all"}])
def test_an_export_request_missing_what_graph_requires_is_refused_before_sending(bad):
    with mocked() as mock:
        with pytest.raises(ValueError):
            client().export_billed_reconciliation(**bad)
        assert not mock.calls
