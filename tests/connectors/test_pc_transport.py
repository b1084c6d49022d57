"""Headers, timeouts and retries of every Partner Center call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses
import time_machine

from connectors.http_retry import MAX_RETRY_AFTER, parse_retry_after
from connectors.partner_center import (
    Address,
    Conflict,
    InvalidRequest,
    NewCustomer,
    PartnerCenterClient,
    SandboxTokenProvider,
    ServiceUnavailable,
    Throttled,
    build_client,
)

BASE = "https://pc.test"
URL = f"{BASE}/v1/customers/c1"
CUSTOMER = {"id": "c1", "companyProfile": {"domain": "a.onmicrosoft.com"}}
NEW = NewCustomer("a.onmicrosoft.com", "A", "a@a.com", Address("1 Way", "Austin", "73301", "US"))


@pytest.fixture
def mock():
    """HTTP mocked at the transport boundary; calls stay readable after the request."""
    with responses.RequestsMock() as requests_mock:
        yield requests_mock


def _client(sleeps: list[float], **kw) -> PartnerCenterClient:
    return PartnerCenterClient(requests.Session(), BASE, SandboxTokenProvider("t"),
                               sleeper=sleeps.append, **kw)


def test_every_call_sends_partner_center_headers_and_a_timeout(mock):
    mock.get(URL, json=CUSTOMER)
    _client([], timeout=(3.0, 20.0), locale="de-DE").get_customer("c1")
    call = mock.calls[0].request
    assert call.req_kwargs["timeout"] == (3.0, 20.0)
    assert call.headers["Authorization"] == "Bearer sandbox-app:t"
    assert call.headers["Accept"] == "application/json"
    assert call.headers["MS-Contract-Version"] == "v1"
    assert call.headers["X-Locale"] == "de-DE"
    assert call.headers["MS-RequestId"] and call.headers["MS-CorrelationId"]


def test_build_client_sets_the_configured_timeouts_on_requests(mock):
    client = build_client({"PARTNER_CENTER_MODE": "sandbox", "PARTNER_CENTER_BASE_URL": BASE,
                           "PARTNER_CENTER_CONNECT_TIMEOUT": "2",
                           "PARTNER_CENTER_READ_TIMEOUT": "9"})
    mock.get(URL, json=CUSTOMER)
    client.get_customer("c1")
    assert mock.calls[0].request.req_kwargs["timeout"] == (2.0, 9.0)


def test_build_client_defaults_to_the_local_sandbox_and_refuses_unknown_modes(mock):
    assert build_client({"PARTNER_CENTER_MODE": "sandbox"}).base_url == "http://127.0.0.1:5001"
    assert build_client({"PARTNER_CENTER_MODE": "live", "PARTNER_CENTER_TENANT_ID": "t"}
                        ).base_url == "https://api.partnercenter.microsoft.com"
    with pytest.raises(ValueError, match="PARTNER_CENTER_MODE"):
        build_client({"PARTNER_CENTER_MODE": "staging"})


def test_a_new_call_gets_a_new_request_id_and_a_given_correlation_id_is_kept(mock):
    mock.get(URL, json=CUSTOMER)
    client = _client([])
    client.get_customer("c1", correlation_id="order-42")
    client.get_customer("c1", correlation_id="order-42")
    first, second = (c.request.headers for c in mock.calls)
    assert first["MS-RequestId"] != second["MS-RequestId"]
    assert first["MS-CorrelationId"] == second["MS-CorrelationId"] == "order-42"


def test_retries_a_timed_out_create_with_the_same_request_id(mock):
    sleeps: list[float] = []
    mock.post(f"{BASE}/v1/customers", body=requests.exceptions.ReadTimeout("slow"))
    mock.post(f"{BASE}/v1/customers", status=201, json=CUSTOMER)
    _client(sleeps).create_customer(NEW, request_id="stored-before-the-call")
    ids = {c.request.headers["MS-RequestId"] for c in mock.calls}
    assert ids == {"stored-before-the-call"}
    assert len(mock.calls) == 2 and len(sleeps) == 1


def test_honours_retry_after_on_429_then_succeeds(mock):
    sleeps: list[float] = []
    mock.get(URL, status=429, headers={"Retry-After": "57"},
             json={"statusCode": 429, "message": "Try again in 57 seconds."})
    mock.get(URL, json=CUSTOMER)
    assert _client(sleeps).get_customer("c1").id == "c1"
    assert sleeps == [57.0]
    assert mock.calls[0].request.headers["MS-RequestId"] == \
        mock.calls[1].request.headers["MS-RequestId"]


def test_retries_server_errors_with_growing_jittered_backoff_and_gives_up(mock):
    sleeps: list[float] = []
    mock.get(URL, status=503, json={"code": 503, "description": "busy"})
    with pytest.raises(ServiceUnavailable):
        _client(sleeps, max_attempts=4, backoff_base=1.0, backoff_cap=3.0).get_customer("c1")
    assert len(mock.calls) == 4
    assert len(sleeps) == 3
    for wait, ceiling in zip(sleeps, (1.0, 2.0, 3.0), strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_connection_errors_are_retried_then_reported_as_unavailable(mock):
    sleeps: list[float] = []
    mock.get(URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(ServiceUnavailable, match="ConnectionError"):
        _client(sleeps, max_attempts=2).get_customer("c1")
    assert len(mock.calls) == 2 and len(sleeps) == 1


@pytest.mark.parametrize(("status", "code", "error"), [
    (400, 600049, InvalidRequest), (409, 800060, Conflict), (403, 13605, InvalidRequest),
])
def test_never_retries_client_errors_other_than_429(mock, status, code, error):
    sleeps: list[float] = []
    mock.post(f"{BASE}/v1/customers", status=status, json={"code": code,
                                                            "description": "no"})
    with pytest.raises(error):
        _client(sleeps).create_customer(NEW)
    assert len(mock.calls) == 1 and sleeps == []


def test_throttling_that_persists_is_reported_with_its_retry_after(mock):
    sleeps: list[float] = []
    mock.get(URL, status=429, headers={"Retry-After": "5"},
             json={"statusCode": 429, "message": "Rate limit is exceeded."})
    with pytest.raises(Throttled) as caught:
        _client(sleeps, max_attempts=3).get_customer("c1")
    assert sleeps == [5.0, 5.0]
    assert caught.value.retry_after == 5.0


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_retry_after_given_as_an_http_date_is_waited_until_that_date(mock):
    sleeps: list[float] = []
    mock.get(URL, status=429, headers={"Retry-After": "Mon, 02 Mar 2026 09:00:40 GMT"},
             json={"statusCode": 429, "message": "Rate limit is exceeded."})
    mock.get(URL, json=CUSTOMER)
    with time_machine.travel(NOW, tick=False):
        assert _client(sleeps).get_customer("c1").id == "c1"
    assert sleeps == [40.0]


def test_a_retry_after_longer_than_a_call_may_wait_is_raised_with_its_wait_not_slept(mock):
    sleeps: list[float] = []
    mock.get(URL, status=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"},
             json={"statusCode": 429, "message": "Rate limit is exceeded."})
    with time_machine.travel(NOW, tick=False), pytest.raises(Throttled) as caught:
        _client(sleeps).get_customer("c1")
    assert caught.value.retry_after == MAX_RETRY_AFTER  # clamped: a job reschedules by it
    assert sleeps == [] and len(mock.calls) == 1


@pytest.mark.parametrize("value", ["soon", "Mon, 99 Foo 2026 25:61:00 GMT", "nan", ""])
def test_a_malformed_retry_after_falls_back_to_backoff(mock, value):
    sleeps: list[float] = []
    mock.get(URL, status=429, headers={"Retry-After": value},
             json={"statusCode": 429, "message": "Rate limit is exceeded."})
    mock.get(URL, json=CUSTOMER)
    assert _client(sleeps, backoff_base=1.0).get_customer("c1").id == "c1"
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0


@pytest.mark.parametrize(("value", "seconds"), [
    ("57", 57.0), ("2.128", 2.128), ("-3", 0.0), ("99999", MAX_RETRY_AFTER),
    ("Mon, 02 Mar 2026 09:01:00 GMT", 60.0), ("Monday, 02-Mar-26 09:01:00 GMT", 60.0),
    ("Mon Mar  2 09:01:00 2026", 60.0), ("Mon, 02 Mar 2026 08:59:00 GMT", 0.0),
    ("soon", None), (None, None),
])
def test_retry_after_is_read_in_both_rfc_9110_forms(value, seconds):
    with time_machine.travel(NOW, tick=False):
        assert parse_retry_after(value) == seconds
