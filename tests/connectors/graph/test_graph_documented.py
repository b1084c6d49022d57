"""Microsoft's documented GDAP samples, both ways: the client parses every documented answer,
and the sandbox answers every documented request with the documented status and the same
keys and value types (tests/fixtures/graph/documented)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from connectors.graph import (
    GraphClient,
    InvalidRequest,
    SandboxGraphTokenProvider,
    Throttled,
    approval_url,
)
from connectors.partner_center.sandbox.fixtures import ENTRA_HOST, GRAPH_HOST

DOCUMENTED = Path(__file__).resolve().parents[2] / "fixtures" / "graph" / "documented"
DOC = "https://graph.microsoft.com/v1.0"
GRAPH_TOKEN = {"Authorization": "Bearer sandbox-graph:8f2c4a1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"}


def documented(name: str) -> dict[str, Any]:
    return json.loads((DOCUMENTED / f"{name}.json").read_text())


def answer(mock: responses.RequestsMock, name: str) -> None:
    """Serve a documented response for its documented request."""
    doc = documented(name)
    mock.add(doc["request"]["method"], DOC.removesuffix("/v1.0") + doc["request"]["path"],
             json=doc["response"]["body"], status=doc["response"]["status"],
             headers={k: v for k, v in doc["response"]["headers"].items()
                      if k != "Content-Type"})


@pytest.fixture
def doc_client():
    """A client whose answers are the documented example payloads."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for name in ("create_relationship", "get_relationship", "list_relationships",
                     "lock_for_approval", "create_access_assignment",
                     "list_access_assignments"):
            answer(mock, name)
        yield GraphClient(requests.Session(), DOC, token_provider=SandboxGraphTokenProvider(),
                          sleeper=lambda _s: None)


def test_the_client_reads_the_documented_create_answer(doc_client):
    req = documented("create_relationship")["request"]["body"]
    made = doc_client.create_relationship(
        req["customer"]["tenantId"], req["displayName"], timedelta(days=730),
        [r["roleDefinitionId"] for r in req["accessDetails"]["unifiedRoles"]], auto_extend=True)
    assert (made.status, made.customer_name, made.auto_extend_duration) == (
        "created", "Contoso subsidiary Inc", timedelta(days=180))
    assert made.activated is None  # "" in the documented answer
    assert made.ends == datetime(2024, 2, 10, 11, 24, 42, 314826, tzinfo=UTC)
    assert made.etag.startswith('W/"')


def test_the_client_sends_the_documented_create_body():
    doc = documented("create_relationship")["request"]["body"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer(mock, "create_relationship")
        client = GraphClient(requests.Session(), DOC, token_provider=SandboxGraphTokenProvider())
        client.create_relationship(doc["customer"]["tenantId"], doc["displayName"],
                                   timedelta(days=730), ["29232cdf-9323-42fd-ade2-1d097af3e4de",
                                                         "3a2c62db-5318-420d-8d74-23affee5d9d5"],
                                   auto_extend=True, customer_name="Contoso subsidiary Inc")
        assert json.loads(mock.calls[0].request.body) == doc


def test_the_client_reads_the_documented_get_and_list_answers(doc_client):
    got = doc_client.get_relationship(
        "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836")
    assert got.status == "active" and len(got.roles) == 3 and not got.auto_extends
    listed = list(doc_client.list_relationships())
    assert [r.status for r in listed] == ["active", "terminated", "approvalPending"]
    reseller = listed[2]  # resellerDelegatedAdminRelationship, nulls for "not yet"
    assert reseller.activated is None and reseller.ends is None and len(reseller.roles) == 9


def test_the_client_reads_the_documented_lock_and_assignment_answers(doc_client):
    locked = doc_client.lock_for_approval(
        "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836")
    assert (locked.id, locked.action, locked.status) == (
        "5a6666c9-7282-0a41-67aa-25a5a3fbf339", "lockForApproval", "created")
    rel = "72a7ae7e-4887-4e34-9755-2e1e9b26b943-63f017cb-9e0d-4f14-94bd-4871902b3409"
    made = doc_client.create_access_assignment(
        rel, "869713c9-0b28-4d08-8949-ae07ae1bf528", ["29232cdf-9323-42fd-ade2-1d097af3e4de"])
    assert (made.status, made.container_type, len(made.roles)) == ("pending", "securityGroup", 4)
    assert [a.status for a in doc_client.list_access_assignments(rel)] == ["active", "active"]


def test_the_approval_url_is_the_documented_one():
    (example,) = documented("approval_url")["examples"]
    assert approval_url(example["relationship_id"]) == example["url"]


@pytest.mark.parametrize("sample", documented("errors")["samples"], ids=lambda s: s["name"])
def test_the_client_reads_the_documented_throttling_answers(sample):
    with responses.RequestsMock() as mock:
        for _ in range(2):
            mock.get(DOC + "/tenantRelationships/delegatedAdminRelationships",
                     status=sample["status"], json=sample["body"],
                     headers={"Retry-After": sample["headers"]["Retry-After"]})
        client = GraphClient(requests.Session(), DOC, token_provider=SandboxGraphTokenProvider(),
                             retries=1, sleeper=lambda _s: None)
        with pytest.raises(Throttled) as throttled:
            list(client.list_relationships())
    assert throttled.value.retry_after == float(sample["headers"]["Retry-After"])
    assert throttled.value.request_id == "94fb3b52-452a-4535-a601-69e0a90e3aa2"
    assert throttled.value.inner_code == "429"


def test_the_client_reads_the_field_reported_gdap_error():
    field = next(e for e in documented("errors")["errors"] if "21550" in e["source"])
    with responses.RequestsMock() as mock:
        mock.post(DOC + "/tenantRelationships/delegatedAdminRelationships/x-y/accessAssignments",
                  status=400, json={"error": {"code": field["code"],
                                              "message": field["description"]}})
        mock.get(DOC + "/tenantRelationships/delegatedAdminRelationships/x-y/accessAssignments",
                 json={"value": []})  # the replay lookup finds nothing: the error stands
        client = GraphClient(requests.Session(), DOC, token_provider=SandboxGraphTokenProvider())
        with pytest.raises(InvalidRequest, match="delegatedAdminRelationshipId is invalid"):
            client.create_access_assignment("x-y", "g", ["r"])


# --- the sandbox answers the documented requests ---------------------------------------------

def shape(value: Any) -> Any:
    """Keys and value types, recursively; a list is described by its first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def send(doc: dict[str, Any], path: str | None = None) -> requests.Response:
    """The documented request, against the sandbox (ids swapped for the sandbox's own)."""
    req = doc["request"]
    return requests.request(req["method"], GRAPH_HOST + (path or req["path"]),
                            json=req["body"], headers=GRAPH_TOKEN, timeout=5)


def same_shape(response: requests.Response, doc: dict[str, Any]) -> None:
    assert response.status_code == doc["response"]["status"]
    assert shape(response.json()) == shape(doc["response"]["body"])
    if "Location" in doc["response"]["headers"]:
        assert response.headers["Location"].startswith(GRAPH_HOST + "/v1.0/tenantRelationships/")


@pytest.fixture
def relationship(graph_responses) -> str:
    """A relationship made from the documented create request; its sandbox id."""
    doc = documented("create_relationship")
    made = send(doc)
    same_shape(made, doc)
    return made.json()["id"]


def _path(doc: dict[str, Any], relationship: str) -> str:
    documented_id = doc["request"]["path"].split("/")[4]
    return doc["request"]["path"].replace(documented_id, relationship)


def test_the_sandbox_answers_the_documented_create_get_and_list(relationship):
    # A fresh relationship is `created`: activatedDateTime is "" as in the documented create
    # answer, so its types match the documented (active) get and list samples too.
    get = documented("get_relationship")
    same_shape(send(get, _path(get, relationship)), get)
    same_shape(send(documented("list_relationships")), documented("list_relationships"))


def test_the_sandbox_answers_the_documented_lock_then_assignment_requests(
        relationship, control):
    lock = documented("lock_for_approval")
    same_shape(send(lock, _path(lock, relationship)), lock)
    assert control(f"/gdap/{relationship}/approve").json()["status"] == "active"
    create = documented("create_access_assignment")
    body_roles = create["request"]["body"]["accessDetails"]["unifiedRoles"]
    granted = {r["roleDefinitionId"] for r in documented("create_relationship")["request"][
        "body"]["accessDetails"]["unifiedRoles"]}
    create["request"]["body"]["accessDetails"]["unifiedRoles"] = [
        r for r in body_roles if r["roleDefinitionId"] in granted]  # a subset, as required
    same_shape(send(create, _path(create, relationship)), create)
    listing = documented("list_access_assignments")
    same_shape(send(listing, _path(listing, relationship)), listing)


def test_the_sandboxs_errors_have_graphs_documented_shape(graph_responses):
    refused = requests.get(GRAPH_HOST + "/v1.0/tenantRelationships/delegatedAdminRelationships/"
                           "not-an-id", headers=GRAPH_TOKEN | {"client-request-id": "c-1"},
                           timeout=5)
    documented_error = documented("errors")["response"]["body"]
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "badRequest"
    assert shape(refused.json())["error"].keys() == shape(documented_error)["error"].keys()
    inner = refused.json()["error"]["innerError"]
    assert {"date", "request-id"} <= inner.keys() and inner["client-request-id"] == "c-1"
    assert refused.headers["request-id"] == inner["request-id"]
    assert refused.headers["client-request-id"] == "c-1"


# --- the Entra ID double answers as documented --------------------------------------------------

def test_the_entra_double_serves_the_documented_discovery_fields(graph_responses):
    doc = documented("entra_openid_configuration")
    served = requests.get(ENTRA_HOST + "/organizations/v2.0/.well-known/openid-configuration",
                          timeout=5).json()
    assert doc["response"]["body"].keys() <= served.keys()
    assert served["issuer"] == ENTRA_HOST + "/{tenantid}/v2.0"
    assert served["authorization_endpoint"] == ENTRA_HOST + "/organizations/oauth2/v2.0/authorize"


def test_the_entra_double_answers_token_errors_in_the_documented_shape(graph_responses):
    doc = documented("entra_token")
    refused = requests.post(ENTRA_HOST + "/organizations/oauth2/v2.0/token",
                            data=doc["request"]["body"], timeout=5)
    (sample,) = doc["error_samples"]
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert sample["body"].keys() <= refused.json().keys()
    assert refused.json()["error_codes"] == [70000]
