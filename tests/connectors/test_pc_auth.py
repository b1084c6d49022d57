"""msal flows against the two Entra ID URLs msal calls: discovery and the token endpoint."""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
import time_machine

from connectors.partner_center import (
    ConsentRequired,
    MsalTokenProvider,
    PartnerCenterClient,
    ReauthenticationRequired,
)
from connectors.partner_center.auth import APP_SCOPE, USER_SCOPE

TENANT = "11111111-2222-3333-4444-555555555555"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"
SECRET = "client-secret-do-not-log"
FIRST_RT = "refresh-token-from-consent"
START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _id_token() -> str:
    now = int(time.time())
    claims = {"iss": f"{AUTHORITY}/v2.0", "sub": "u", "aud": "client-id", "oid": "user-oid",
              "tid": TENANT, "preferred_username": "agent@partner.example", "iat": now,
              "exp": now + 3600}
    return f"{_b64({'alg': 'none'})}.{_b64(claims)}.sig"


class TokenEndpoint:
    """Entra ID's token endpoint: client credentials and rotating refresh tokens."""

    def __init__(self, dead_refresh_tokens: tuple[str, ...] = ()) -> None:
        self.grants: list[dict[str, str]] = []
        self.dead = dead_refresh_tokens
        self.issued = 0

    def __call__(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        self.grants.append(form)
        self.issued += 1
        if form["grant_type"] == "client_credentials":
            return 200, {}, json.dumps({"token_type": "Bearer", "expires_in": 3599,
                                        "access_token": f"app-access-{self.issued}"})
        if form.get("refresh_token") in self.dead:
            return 400, {}, json.dumps({
                "error": "invalid_grant", "error_codes": [700082],
                "error_description": "AADSTS700082: The refresh token has expired due to "
                                     "inactivity."})
        return 200, {}, json.dumps({
            "token_type": "Bearer", "expires_in": 3599, "scope": USER_SCOPE,
            "access_token": f"user-access-{self.issued}",
            "refresh_token": f"rotated-refresh-{self.issued}", "id_token": _id_token(),
            "client_info": _b64({"uid": "user-oid", "utid": TENANT})})


@pytest.fixture
def entra():
    """Mock the discovery document and the token endpoint."""
    endpoint = TokenEndpoint()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json={
            "token_endpoint": TOKEN_URL, "authorization_endpoint": f"{AUTHORITY}/oauth2/"
            "v2.0/authorize", "issuer": f"{AUTHORITY}/v2.0"})
        mock.add_callback("POST", TOKEN_URL, callback=endpoint)
        endpoint.mock = mock
        yield endpoint


def _provider(tmp_path, refresh_token: str | None = FIRST_RT) -> MsalTokenProvider:
    return MsalTokenProvider(tenant_id=TENANT, client_id="client-id", client_secret=SECRET,
                             refresh_token=refresh_token, cache_path=tmp_path / "cache.json")


def test_app_only_tokens_use_client_credentials_and_are_cached(entra, tmp_path):
    provider = _provider(tmp_path)
    assert provider.token("app") == "app-access-1"
    assert provider.token("app") == "app-access-1"
    assert len(entra.grants) == 1
    assert entra.grants[0]["grant_type"] == "client_credentials"
    assert entra.grants[0]["scope"].startswith(APP_SCOPE)


def test_the_msal_app_is_built_only_when_a_token_is_first_needed(tmp_path):
    with responses.RequestsMock() as mock:
        provider = _provider(tmp_path)
        assert len(mock.calls) == 0
    assert "client-id" in repr(provider) and SECRET not in repr(provider)


def test_imports_the_refresh_token_once_then_renews_silently_from_the_cache(entra, tmp_path):
    with time_machine.travel(START, tick=False) as traveller:
        assert _provider(tmp_path).token("user") == "user-access-1"
        assert entra.grants[0]["refresh_token"] == FIRST_RT
        assert USER_SCOPE in entra.grants[0]["scope"]
        restarted = _provider(tmp_path)  # a new process with the persisted cache
        assert restarted.token("user") == "user-access-1"
        assert len(entra.grants) == 1
        traveller.shift(timedelta(hours=2))
        assert restarted.token("user") == "user-access-2"
    assert entra.grants[1]["refresh_token"] == "rotated-refresh-1"
    assert "rotated-refresh-2" in (tmp_path / "cache.json").read_text()


def test_a_dead_refresh_token_asks_for_a_new_consent_without_leaking_secrets(
        entra, tmp_path, caplog):
    entra.dead = (FIRST_RT,)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConsentRequired) as caught:
        _provider(tmp_path).token("user")
    message = str(caught.value)
    assert "consent" in message and "AADSTS700082" in message
    for secret in (FIRST_RT, SECRET):
        assert secret not in message and secret not in caplog.text


def test_no_refresh_token_at_all_also_asks_for_consent(entra, tmp_path):
    with pytest.raises(ConsentRequired):
        _provider(tmp_path, refresh_token=None).token("user")


def test_refused_app_credentials_ask_to_reauthenticate(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as mock:
        mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json={
            "token_endpoint": TOKEN_URL, "authorization_endpoint": f"{AUTHORITY}/x",
            "issuer": f"{AUTHORITY}/v2.0"})
        mock.post(TOKEN_URL, status=401, json={"error": "invalid_client",
                                               "error_codes": [7000215]})
        with pytest.raises(ReauthenticationRequired) as caught:
            _provider(tmp_path).token("app")
    assert not isinstance(caught.value, ConsentRequired)
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


def test_the_client_sends_msal_tokens_and_never_logs_them(entra, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    entra_calls = len(entra.grants)
    entra.mock.get("https://pc.test/v1/customers/c1", json={"id": "c1"})
    client = PartnerCenterClient(requests.Session(), "https://pc.test", _provider(tmp_path))
    assert client.get_customer("c1").id == "c1"
    assert len(entra.grants) == entra_calls + 1
    assert "app-access" not in caplog.text and SECRET not in caplog.text


def _refuse_once(entra, url: str, body: dict) -> None:
    """Partner Center answers the first request 401 (the token was revoked), then 200."""
    entra.mock.get(url, status=401, json={"code": 800001, "description": "Token invalid"},
                   headers={"WWW-Authenticate": "OAuth realm=urn:cpsvc:cpid:x"})
    entra.mock.get(url, json=body)


def test_a_401_drops_msals_cached_app_token_and_retries_once_with_a_new_one(entra, tmp_path):
    url = "https://pc.test/v1/customers/c1"
    _refuse_once(entra, url, {"id": "c1"})
    client = PartnerCenterClient(requests.Session(), "https://pc.test", _provider(tmp_path))
    assert client.get_customer("c1").id == "c1"
    sent = [c.request for c in entra.mock.calls if c.request.url == url]
    assert [r.headers["Authorization"] for r in sent] == ["Bearer app-access-1",
                                                          "Bearer app-access-2"]
    assert sent[0].headers["MS-RequestId"] == sent[1].headers["MS-RequestId"]
    assert [g["grant_type"] for g in entra.grants] == ["client_credentials"] * 2
    assert "app-access-1" not in (tmp_path / "cache.json").read_text()


def test_a_401_on_an_app_user_call_redeems_the_cached_refresh_token(entra, tmp_path):
    url = "https://pc.test/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf"
    _refuse_once(entra, url, {"totalCount": 0, "items": []})
    with time_machine.travel(START, tick=False):
        client = PartnerCenterClient(requests.Session(), "https://pc.test", _provider(tmp_path))
        assert client.list_indirect_resellers() == ()
    sent = [c.request for c in entra.mock.calls if c.request.url == url]
    assert [r.headers["Authorization"] for r in sent] == ["Bearer user-access-1",
                                                          "Bearer user-access-2"]
    assert [g.get("refresh_token") for g in entra.grants] == [FIRST_RT, "rotated-refresh-1"]


def test_a_token_refused_twice_is_reported_without_a_third_try(entra, tmp_path):
    url = "https://pc.test/v1/customers/c1"
    entra.mock.get(url, status=401, json={"code": 800001, "description": "Token invalid"})
    client = PartnerCenterClient(requests.Session(), "https://pc.test", _provider(tmp_path))
    with pytest.raises(ReauthenticationRequired):
        client.get_customer("c1")
    assert len([c for c in entra.mock.calls if c.request.url == url]) == 2
