"""Partner Center answers become typed errors named by what the caller does next."""

from __future__ import annotations

import pytest
import requests
import responses

from connectors.partner_center import (
    AccessDenied,
    AgreementAlreadyExists,
    CartAlreadySubmitted,
    Conflict,
    InvalidRequest,
    NotFound,
    PartnerCenterClient,
    ReauthenticationRequired,
    SandboxTokenProvider,
    ServiceUnavailable,
    Throttled,
    describe,
)

BASE = "https://pc.test"
CUSTOMER_URL = f"{BASE}/v1/customers/c1"


def _client(sleeps: list[float] | None = None) -> PartnerCenterClient:
    return PartnerCenterClient(requests.Session(), BASE, SandboxTokenProvider("t"),
                               sleeper=(sleeps if sleeps is not None else []).append)


def _error_for(status: int, body: dict | None = None) -> Exception:
    with responses.RequestsMock() as mock:
        mock.get(CUSTOMER_URL, status=status, json=body)
        with pytest.raises(Exception) as caught:
            _client().get_customer("c1")
    return caught.value


@pytest.mark.parametrize(("status", "code", "expected"), [
    (401, 900420, ReauthenticationRequired), (401, 900421, ReauthenticationRequired),
    (401, 800001, ReauthenticationRequired), (401, None, ReauthenticationRequired),
    (403, 900329, AccessDenied), (403, 900309, AccessDenied), (403, 900308, AccessDenied),
    (403, None, AccessDenied),
    (400, 600049, InvalidRequest), (400, 600050, InvalidRequest), (400, 600002, InvalidRequest),
    (400, 600051, InvalidRequest), (403, 13605, InvalidRequest), (400, 900203, InvalidRequest),
    (400, 900206, InvalidRequest), (403, 800066, InvalidRequest), (403, 800088, InvalidRequest),
    (403, 2091, InvalidRequest), (400, 900213, InvalidRequest), (400, 900214, InvalidRequest),
    (403, 900124, InvalidRequest),
    (404, 60003, NotFound), (404, 20003, NotFound), (404, 20000, NotFound),
    (404, 800008, NotFound), (404, 400013, NotFound), (404, 400018, NotFound),
    (404, 400019, NotFound), (404, None, NotFound),
    (409, 800060, Conflict), (409, 800064, Conflict), (409, 800082, Conflict),
    (409, 900278, Conflict), (400, 800065, CartAlreadySubmitted),
    (409, 600061, AgreementAlreadyExists),
])
def test_maps_status_and_code_to_the_error_class_the_caller_acts_on(status, code, expected):
    error = _error_for(status, {"code": code, "description": "x", "source": "PartnerFD"}
                       if code else {})
    assert type(error) is expected
    assert error.http_status == status
    assert error.code == (str(code) if code else None)


def test_parses_a_classic_fault_whose_code_is_a_string():
    error = _error_for(400, {"code": "600050", "description": "expected ^(\\d{7}|\\d{10})$",
                             "data": [], "source": "PartnerApiServiceControllers"})
    assert isinstance(error, InvalidRequest)
    assert error.code == "600050"
    assert "\\d{7}" in error.description


def test_parses_a_new_style_fault_with_error_name_and_retryable_flag():
    error = _error_for(400, {"code": "600061", "message": "exists", "description": "exists",
                             "errorName": "PartnerConfirmedAgreementAlreadyExists",
                             "isRetryable": False, "parameters": {}})
    assert isinstance(error, AgreementAlreadyExists)
    assert error.retryable is False
    assert error.description == "exists"


def test_parses_the_throttle_body_and_its_retry_after_header():
    with responses.RequestsMock() as mock:
        mock.get(CUSTOMER_URL, status=429, headers={"Retry-After": "57"},
                 json={"statusCode": 429, "message": "Rate limit is exceeded."})
        with pytest.raises(Throttled) as caught:
            PartnerCenterClient(requests.Session(), BASE, SandboxTokenProvider("t"),
                                max_attempts=1).get_customer("c1")
    assert caught.value.retry_after == 57
    assert caught.value.description == "Rate limit is exceeded."
    assert caught.value.retryable is True


def test_a_server_error_without_json_is_unavailable_and_retryable():
    with responses.RequestsMock() as mock:
        mock.get(CUSTOMER_URL, status=502, body="<html>bad gateway</html>")
        with pytest.raises(ServiceUnavailable) as caught:
            PartnerCenterClient(requests.Session(), BASE, SandboxTokenProvider("t"),
                                max_attempts=1).get_customer("c1")
    assert caught.value.retryable is True
    assert caught.value.code is None


def test_errors_carry_the_request_and_correlation_ids_for_support():
    with responses.RequestsMock() as mock:
        mock.get(CUSTOMER_URL, status=404, json={"code": 60003, "description": "gone"})
        with pytest.raises(NotFound) as caught:
            _client().get_customer("c1", correlation_id="corr-1")
        sent = mock.calls[0].request.headers
    assert caught.value.request_id == sent["MS-RequestId"]
    assert caught.value.correlation_id == "corr-1"
    assert sent["MS-RequestId"] in str(caught.value)


@pytest.mark.parametrize(("code", "words"), [
    ("600049", "registration number"), ("600050", "wrong format"), ("600002", "not be given"),
    ("600051", "phone"), ("13605", "Microsoft Customer Agreement"), ("900203", "attestation"),
    ("900206", "partner-of-record"), ("800060", "still being processed"),
    ("800064", "checked out right now"), ("800065", "already checked out"),
    ("800066", "maximum number of subscriptions"), ("800088", "seat limit"),
    ("2091", "no longer available"), ("400013", "no longer in the catalog"),
    ("400018", "SKU"), ("400019", "availability changed"), ("900213", "cancellation window"),
    ("900214", "reducing seats"), ("900329", "app+user"), ("900124", "Partner Agreement"),
    ("404", "tenant was not found"), ("60003", "tenant was not found"),
])
def test_describes_documented_codes_in_plain_language(code, words):
    assert words in describe(code)
    assert describe(int(code)) == describe(code)


def test_describes_an_unknown_code_without_inventing_a_meaning():
    assert describe("123456") == "Partner Center refused the request (code 123456)."
