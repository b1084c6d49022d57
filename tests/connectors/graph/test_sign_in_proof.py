"""Rule K11's proof of tenant control: a work-account sign-in with the real msal against the
sandbox's Entra ID double, in-process and over plain HTTP as in the demo."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.test import Client

from connectors.graph import (
    GraphClient,
    ProvenTenant,
    SandboxGraphTokenProvider,
    SignInCancelled,
    SignInFailed,
    SignInProof,
    SignInRejected,
    SignInUnavailable,
    TenantMismatch,
    build_sign_in_proof,
)
from connectors.graph.signin import CONSUMER_TENANT_ID
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.app import create_sandbox_app
from connectors.partner_center.sandbox.fixtures import (
    ENTRA_HOST,
    SIGN_IN_CLIENT_ID,
    SIGN_IN_SECRET,
)
from connectors.partner_center.sandbox.router import route_to_sandbox
from tests.connectors.graph.conftest import FABRIKAM_ADMIN, REDIRECT, ROLES, posted_back

NORTHWIND_IT = f"it@{seed.TENANT_WITHOUT_DAP_DOMAIN}"


def test_a_work_account_proves_the_tenant_it_belongs_to(sign_in_proof, sign_in):
    flow, posted = sign_in(FABRIKAM_ADMIN)
    proven = sign_in_proof.finish(flow, posted)
    assert proven == ProvenTenant(seed.TENANT_WITH_DAP_ID, FABRIKAM_ADMIN, proven.object_id,
                                  "Avery")
    assert proven.object_id


def test_the_proof_can_be_bound_to_the_tenant_being_linked(sign_in_proof, sign_in):
    flow, posted = sign_in(FABRIKAM_ADMIN, tenant_id=seed.TENANT_WITH_DAP_ID.upper())
    assert sign_in_proof.finish(flow, posted).tenant_id == seed.TENANT_WITH_DAP_ID


def test_an_account_of_another_tenant_is_refused(sign_in_proof, sign_in):
    flow, posted = sign_in(NORTHWIND_IT, tenant_id=seed.TENANT_WITH_DAP_ID)
    with pytest.raises(TenantMismatch) as refused:
        sign_in_proof.finish(flow, posted)
    assert (refused.value.code, refused.value.expected, refused.value.actual) == (
        "tenant_mismatch", seed.TENANT_WITH_DAP_ID, seed.TENANT_WITHOUT_DAP_ID)


def test_the_sandbox_decides_who_signs_in_next(sign_in_proof, sign_in, control):
    queued = control("/entra/sign-in", {"username": "admin@unrelated.example",
                                        "tenantId": seed.UNRELATED_TENANT_ID})
    assert queued.status_code == 201
    flow, posted = sign_in(login_hint=None)
    assert sign_in_proof.finish(flow, posted).tenant_id == seed.UNRELATED_TENANT_ID


def test_an_answer_meant_for_another_sign_in_is_refused(sign_in_proof, sign_in):
    _flow_a, posted_a = sign_in()
    flow_b, _posted_b = sign_in()
    with pytest.raises(SignInRejected) as refused:
        sign_in_proof.finish(flow_b, posted_a)
    assert refused.value.code == "state_mismatch"


def test_an_id_token_issued_for_another_nonce_is_refused(sign_in_proof, sign_in, pc_sandbox):
    flow, posted = sign_in()
    pc_sandbox.data["entra"]["codes"][posted["code"]]["nonce"] = "nonce-of-another-sign-in"
    with pytest.raises(SignInRejected) as refused:
        sign_in_proof.finish(flow, posted)
    assert refused.value.code == "nonce_mismatch"


def test_finishing_without_a_started_sign_in_is_refused(sign_in_proof, sign_in):
    _flow, posted = sign_in()
    with pytest.raises(SignInRejected) as refused:
        sign_in_proof.finish({}, posted)
    assert refused.value.code == "no_sign_in"


def test_a_cancelled_sign_in_is_reported_as_cancelled(sign_in_proof, sign_in, control):
    control("/entra/sign-in", {"username": FABRIKAM_ADMIN, "decline": True})
    flow, posted = sign_in()
    assert posted["error"] == "access_denied" and "code" not in posted
    with pytest.raises(SignInCancelled) as cancelled:
        sign_in_proof.finish(flow, posted)
    assert cancelled.value.code == "sign_in_cancelled" and not cancelled.value.retryable


def test_a_code_is_redeemed_only_once(sign_in_proof, sign_in):
    flow, posted = sign_in()
    sign_in_proof.finish(flow, posted)
    with pytest.raises(SignInFailed) as replayed:
        sign_in_proof.finish(flow, posted)
    assert (replayed.value.code, replayed.value.aad_codes) == ("invalid_grant", (54005,))


def test_an_expired_id_token_is_refused(sign_in_proof, sign_in, pc_sandbox):
    flow, posted = sign_in()
    pc_sandbox.advance(-3 * 3600)  # Entra's clock: the token expired two hours ago
    with pytest.raises(SignInRejected) as refused:
        sign_in_proof.finish(flow, posted)
    assert refused.value.code == "invalid_id_token" and "expired" in str(refused.value)


def test_a_personal_microsoft_account_proves_no_tenant(sign_in_proof, sign_in, control):
    control("/entra/sign-in", {"username": "someone@outlook.com",
                               "tenantId": CONSUMER_TENANT_ID})
    flow, posted = sign_in(login_hint=None)
    with pytest.raises(SignInRejected) as refused:
        sign_in_proof.finish(flow, posted)
    assert refused.value.code == "personal_account"


def test_an_unknown_account_stops_at_entra(sign_in_proof, graph_responses):
    url, _flow = sign_in_proof.start(REDIRECT, "nobody@unknown.example")
    page = requests.get(url, allow_redirects=False, timeout=5)
    assert page.status_code == 400 and page.json()["error_codes"] == [50034]


def test_every_call_to_entra_carries_a_timeout(sign_in_proof, sign_in, graph_responses):
    flow, posted = sign_in()
    sign_in_proof.finish(flow, posted)
    server_calls = [c.request for c in graph_responses.calls
                    if c.request.url.startswith(ENTRA_HOST) and "authorize" not in c.request.url]
    kinds = {urlsplit(c.url).path.rsplit("/", 1)[-1] for c in server_calls}
    assert kinds == {"openid-configuration", "token", "keys"}
    assert all(c.req_kwargs["timeout"] == (5.0, 30.0) for c in server_calls)
    token_form = next(c.body for c in server_calls if c.url.endswith("/token"))
    assert "offline_access" not in token_form  # the proof keeps no refresh token


def _code(verifier: str) -> str:
    """A code from the Entra double's authorize endpoint, bound to an S256 challenge."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    page = requests.get(f"{ENTRA_HOST}/organizations/oauth2/v2.0/authorize", timeout=5,
                        allow_redirects=False, params={
                            "client_id": "app", "redirect_uri": REDIRECT, "state": "s",
                            "response_type": "code", "scope": "openid profile",
                            "login_hint": FABRIKAM_ADMIN, "code_challenge_method": "S256",
                            "code_challenge": challenge.decode().rstrip("=")})
    return urlsplit(page.headers["Location"]).query.split("code=")[1].split("&")[0]


@pytest.mark.parametrize(("change", "aad_code"), [
    ({"code_verifier": "another-verifier"}, 50148),
    ({"redirect_uri": "https://evil.example/cb"}, 50011),
    ({"client_id": "another-app"}, 70000),
])
def test_the_token_endpoint_binds_a_code_to_its_pkce_redirect_and_client(graph_responses,
                                                                         change, aad_code):
    form = {"grant_type": "authorization_code", "client_id": "app", "client_secret": "s",
            "redirect_uri": REDIRECT, "code_verifier": "the-verifier",
            "code": _code("the-verifier")}
    refused = requests.post(f"{ENTRA_HOST}/organizations/oauth2/v2.0/token",
                            data=form | change, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert refused.json()["error_codes"] == [aad_code]


def _forging(app) -> object:
    """A token endpoint that re-signs the id token with a key Entra never published."""
    client, key = Client(app), rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def forged(request):
        answer = client.post(urlsplit(request.url).path, data=request.body,
                             headers=dict(request.headers)).get_json()
        real = answer["id_token"]
        claims = jwt.decode(real, options={"verify_signature": False})
        answer["id_token"] = jwt.encode(claims, key, algorithm="RS256",
                                        headers=jwt.get_unverified_header(real))
        return 200, {}, json.dumps(answer)

    return forged


def test_an_id_token_signed_with_an_unpublished_key_is_refused(pc_sandbox):
    app = create_sandbox_app(pc_sandbox, sleep=lambda _s: None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback("POST", f"{ENTRA_HOST}/organizations/oauth2/v2.0/token",
                          callback=_forging(app))
        route_to_sandbox(mock, app, ENTRA_HOST)
        proof = SignInProof(SIGN_IN_CLIENT_ID, SIGN_IN_SECRET, session=requests.Session())
        url, flow = proof.start(REDIRECT, FABRIKAM_ADMIN)
        posted = posted_back(requests.get(url, timeout=5))
        with pytest.raises(SignInRejected) as refused:
            proof.finish(flow, posted)
    assert refused.value.code == "invalid_id_token" and "Signature" in str(refused.value)


def test_in_sandbox_mode_the_authority_host_is_served_by_the_sandbox(graph_responses,
                                                                     pc_sandbox):
    local = "https://sandbox.partnercenter.test"
    route_to_sandbox(graph_responses, create_sandbox_app(pc_sandbox), local)
    proof = build_sign_in_proof({"PARTNER_CENTER_BASE_URL": local})
    url, flow = proof.start(REDIRECT, FABRIKAM_ADMIN)
    assert url.startswith(f"{local}/organizations/oauth2/v2.0/authorize?")
    posted = posted_back(requests.get(url, timeout=5))
    assert proof.finish(flow, posted).tenant_id == seed.TENANT_WITH_DAP_ID
    assert not any(c.request.url.startswith(ENTRA_HOST) for c in graph_responses.calls)


@pytest.fixture
def sandbox_server(pc_sandbox) -> Iterator[str]:
    """The sandbox as the demo runs it: a real HTTP server on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, create_sandbox_app(pc_sandbox), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_demo_signs_in_over_plain_http(sandbox_server):
    with requests.Session() as session, requests.Session() as browser:
        proof = build_sign_in_proof({"PARTNER_CENTER_BASE_URL": sandbox_server}, session)
        url, flow = proof.start(REDIRECT, FABRIKAM_ADMIN)
        assert url.startswith(f"{sandbox_server}/organizations/oauth2/v2.0/authorize?")
        posted = posted_back(browser.get(url, timeout=5))
        assert proof.finish(flow, posted).tenant_id == seed.TENANT_WITH_DAP_ID


def test_the_demo_pages_gdap_relationships_over_plain_http(sandbox_server):
    with requests.Session() as session:
        client = GraphClient(session, f"{sandbox_server}/v1.0",
                             token_provider=SandboxGraphTokenProvider(seed.PARTNER_TENANT_ID))
        for n in range(3):
            client.create_relationship(seed.TENANT_WITH_DAP_ID, f"Demo {n}",
                                       timedelta(days=30), ROLES)
        names = [r.display_name for r in client.list_relationships(page_size=2)]
    assert names == ["Demo 0", "Demo 1", "Demo 2"]


def test_an_unreachable_entra_is_reported_as_retryable():
    with responses.RequestsMock() as mock:
        mock.get(f"{ENTRA_HOST}/organizations/v2.0/.well-known/openid-configuration",
                 body=requests.exceptions.ConnectTimeout("no route"))
        proof = SignInProof(SIGN_IN_CLIENT_ID, SIGN_IN_SECRET, session=requests.Session())
        with pytest.raises(SignInUnavailable) as unavailable:
            proof.start(REDIRECT, FABRIKAM_ADMIN)
    assert unavailable.value.retryable and unavailable.value.code == "entra_unavailable"
