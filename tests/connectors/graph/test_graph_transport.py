"""Headers, timeouts, retries and typed errors of every Graph call (HTTP mocked at the edge)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
import time_machine

from connectors.graph import (
    AccessDenied,
    Conflict,
    GraphClient,
    GraphError,
    InvalidRequest,
    MsalGraphTokenProvider,
    NotFound,
    ReauthenticationRequired,
    SandboxGraphTokenProvider,
    ServiceUnavailable,
    Throttled,
    build_graph_client,
)
from connectors.graph.auth import GRAPH_SCOPE

BASE = "https://graph.test/v1.0"
REL = "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836"
URL = f"{BASE}/tenantRelationships/delegatedAdminRelationships/{REL}"
LIST = f"{BASE}/tenantRelationships/delegatedAdminRelationships"
BODY = {"id": REL, "displayName": "Contoso", "status": "active", "duration": "P730D"}


def graph_error(code: str, message: str = "m") -> dict:
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2024-01-01T00:00:00", "request-id": "req-1"}}}


@pytest.fixture
def mock():
    """HTTP mocked at the transport boundary; calls stay readable after the request."""
    with responses.RequestsMock() as requests_mock:
        yield requests_mock


def _client(sleeps: list[float], **kw) -> GraphClient:
    return GraphClient(requests.Session(), BASE, token_provider=SandboxGraphTokenProvider("t"),
                       sleeper=sleeps.append, **kw)


def test_every_call_sends_graph_headers_and_a_timeout(mock):
    mock.get(URL, json=BODY)
    _client([], timeout=(3.0, 20.0)).get_relationship(REL)
    call = mock.calls[0].request
    assert call.req_kwargs["timeout"] == (3.0, 20.0)
    assert call.headers["Authorization"] == "Bearer sandbox-graph:t"
    assert call.headers["Accept"] == "application/json"
    assert call.headers["client-request-id"] and call.headers["return-client-request-id"]


def test_retries_a_timed_out_create_with_the_same_client_request_id(mock):
    mock.post(LIST, body=requests.exceptions.ReadTimeout("slow"))
    mock.post(LIST, status=201, json=BODY)
    sleeps: list[float] = []
    made = _client(sleeps).create_relationship("t1", "Contoso", timedelta(days=730), ["r1"])
    assert made.id == REL and len(sleeps) == 1
    ids = {c.request.headers["client-request-id"] for c in mock.calls}
    assert len(mock.calls) == 2 and len(ids) == 1


def test_honours_a_fractional_retry_after_on_429_then_succeeds(mock):
    mock.get(URL, status=429, headers={"Retry-After": "2.128"},
             json=graph_error("TooManyRequests"))
    mock.get(URL, json=BODY)
    sleeps: list[float] = []
    assert _client(sleeps).get_relationship(REL).id == REL
    assert sleeps == [2.128]


def test_a_503_with_retry_after_waits_as_told(mock):
    mock.get(URL, status=503, headers={"Retry-After": "7"},
             json=graph_error("serviceNotAvailable"))
    mock.get(URL, json=BODY)
    sleeps: list[float] = []
    _client(sleeps).get_relationship(REL)
    assert sleeps == [7.0]


def test_retries_server_errors_with_growing_jittered_backoff_then_gives_up(mock):
    for _ in range(4):
        mock.get(URL, status=500, json=graph_error("generalException"))
    sleeps: list[float] = []
    with pytest.raises(ServiceUnavailable) as failed:
        _client(sleeps, retries=3, backoff_base=1.0).get_relationship(REL)
    assert len(mock.calls) == 4 and len(sleeps) == 3
    assert [0.5 <= sleeps[0] <= 1.0, 1.0 <= sleeps[1] <= 2.0, 2.0 <= sleeps[2] <= 4.0] == [True] * 3
    assert failed.value.retryable and failed.value.code == "generalException"


def test_connection_errors_are_retried_then_reported_as_unavailable(mock):
    for _ in range(2):
        mock.get(URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(ServiceUnavailable) as failed:
        _client([], retries=1).get_relationship(REL)
    assert failed.value.http_status is None and failed.value.client_request_id


@pytest.mark.parametrize(("status", "code", "error"), [
    (400, "badRequest", InvalidRequest), (401, "InvalidAuthenticationToken",
                                          ReauthenticationRequired),
    (403, "accessDenied", AccessDenied), (404, "itemNotFound", NotFound),
    (409, "nameAlreadyExists", Conflict), (412, "resourceModified", Conflict),
])
def test_never_retries_client_errors_other_than_429(mock, status, code, error):
    mock.get(URL, status=status, json=graph_error(code, "refused"))
    with pytest.raises(error) as refused:
        _client([]).get_relationship(REL)
    signed_in_again = status == 401  # a 401 is sent once more with a fresh token
    assert len(mock.calls) == 1 + signed_in_again and not refused.value.retryable
    assert (refused.value.http_status, refused.value.code) == (status, code)


def test_an_error_carries_graphs_code_inner_code_and_both_request_ids(mock):
    body = {"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                      "innerError": {"code": "429", "request-id": "94fb3b52", "status": "429"}}}
    for _ in range(2):
        mock.get(URL, status=429, json=body, headers={"Retry-After": "10"})
    with pytest.raises(Throttled) as throttled:
        _client([], retries=1).get_relationship(REL)
    error = throttled.value
    assert (error.code, error.inner_code, error.request_id) == ("TooManyRequests", "429",
                                                                 "94fb3b52")
    assert error.retry_after == 10.0 and error.retryable
    assert error.client_request_id == mock.calls[-1].request.headers["client-request-id"]
    assert "HTTP 429 TooManyRequests" in str(error)


def test_a_next_link_to_another_host_is_never_followed(mock):
    page = {"value": [BODY], "@odata.nextLink": "https://evil.test/v1.0/steal?$skiptoken=x"}
    mock.get(LIST, json=page)
    stream = _client([]).list_relationships()
    assert next(stream).id == REL
    with pytest.raises(GraphError, match="outside"):
        next(stream)
    assert len(mock.calls) == 1


def test_page_size_is_bounded_by_graphs_limit_of_300():
    with pytest.raises(ValueError, match="1..300"):
        list(_client([]).list_relationships(page_size=301))


def test_build_graph_client_defaults_to_the_local_sandbox_and_the_partner_center_settings(mock):
    client = build_graph_client({"PARTNER_CENTER_TENANT_ID": "p1",
                                 "PARTNER_CENTER_CONNECT_TIMEOUT": 2.0,
                                 "PARTNER_CENTER_READ_TIMEOUT": "9"})
    assert client.base_url == "http://127.0.0.1:5001/v1.0"
    mock.get("http://127.0.0.1:5001/v1.0/tenantRelationships/delegatedAdminRelationships/"
             + REL, json=BODY)
    client.get_relationship(REL)
    call = mock.calls[0].request
    assert call.req_kwargs["timeout"] == (2.0, 9.0)
    assert call.headers["Authorization"] == "Bearer sandbox-graph:p1"


def test_build_graph_client_follows_the_partner_center_sandbox_url_and_graph_overrides():
    settings = {"PARTNER_CENTER_BASE_URL": "https://sandbox.partnercenter.test/"}
    assert build_graph_client(settings).base_url == "https://sandbox.partnercenter.test/v1.0"
    live = build_graph_client(settings | {"GRAPH_MODE": "live"})
    assert live.base_url == "https://graph.microsoft.com/v1.0"
    with pytest.raises(ValueError, match="GRAPH_MODE"):
        build_graph_client({"GRAPH_MODE": "staging"})


AUTHORITY = "https://login.microsoftonline.com/partner-tenant"
DISCOVERY = {"token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
             "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
             "issuer": f"{AUTHORITY}/v2.0"}


def test_live_tokens_are_app_only_for_the_graph_scope_with_a_timeout(mock):
    mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json=DISCOVERY)
    mock.post(f"{AUTHORITY}/oauth2/v2.0/token",
              json={"token_type": "Bearer", "expires_in": 3599, "access_token": "graph-at"})
    provider = MsalGraphTokenProvider(tenant_id="partner-tenant", client_id="app",
                                      client_secret="s3cret-value", timeout=(4.0, 8.0))
    assert provider.token() == "graph-at" and provider.token() == "graph-at"  # cached
    grant = mock.calls[1].request
    assert "grant_type=client_credentials" in grant.body
    assert "scope=" + requests.utils.quote(GRAPH_SCOPE, safe="") in grant.body
    assert all(c.request.req_kwargs["timeout"] == (4.0, 8.0) for c in mock.calls)
    assert "s3cret" not in repr(provider)


def test_refused_app_credentials_need_reauthentication_and_never_echo_the_secret(mock):
    mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json=DISCOVERY)
    mock.post(f"{AUTHORITY}/oauth2/v2.0/token", status=401, body=json.dumps(
        {"error": "invalid_client", "error_codes": [7000215],
         "error_description": "AADSTS7000215: Invalid client secret provided."}))
    provider = MsalGraphTokenProvider(tenant_id="partner-tenant", client_id="app",
                                      client_secret="s3cret-value")
    with pytest.raises(ReauthenticationRequired, match="AADSTS7000215") as refused:
        provider.token()
    assert "s3cret" not in str(refused.value) and refused.value.code == "invalid_client"


def test_honours_a_retry_after_given_as_an_http_date(mock):
    mock.get(URL, status=429, headers={"Retry-After": "Mon, 02 Mar 2026 09:00:12 GMT"},
             json=graph_error("TooManyRequests"))
    mock.get(URL, json=BODY)
    sleeps: list[float] = []
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        assert _client(sleeps).get_relationship(REL).id == REL
    assert sleeps == [12.0]


def test_a_401_drops_msals_cached_graph_token_and_sends_the_same_request_once_more(mock):
    mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json=DISCOVERY)
    for token in ("graph-at-1", "graph-at-2"):
        mock.post(f"{AUTHORITY}/oauth2/v2.0/token",
                  json={"token_type": "Bearer", "expires_in": 3599, "access_token": token})
    mock.get(URL, status=401, json=graph_error("InvalidAuthenticationToken"))
    mock.get(URL, json=BODY)
    provider = MsalGraphTokenProvider(tenant_id="partner-tenant", client_id="app",
                                      client_secret="s3cret-value")
    client = GraphClient(requests.Session(), BASE, token_provider=provider,
                         sleeper=[].append)
    assert client.get_relationship(REL).id == REL
    sent = [c.request for c in mock.calls if c.request.url == URL]
    assert [r.headers["Authorization"] for r in sent] == ["Bearer graph-at-1",
                                                          "Bearer graph-at-2"]
    assert sent[0].headers["client-request-id"] == sent[1].headers["client-request-id"]
    assert provider.token() == "graph-at-2"  # the fresh token is the one cached now
