"""The sandbox's Graph side: token audiences, Graph's errors, OData limits, injected faults,
the /_sandbox controls for the customer's side, and state kept beside Partner Center's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from connectors.graph import (
    AccessDenied,
    GraphClient,
    NotFound,
    ReauthenticationRequired,
    SandboxGraphTokenProvider,
    Throttled,
)
from connectors.graph.client import LIVE_BASE_URL as LIVE_GRAPH_URL
from connectors.partner_center.client import LIVE_BASE_URL as PC_URL
from connectors.partner_center.sandbox import seed
from connectors.partner_center.sandbox.fixtures import GRAPH_HOST
from tests.connectors.graph.conftest import ROLES

GDAP = GRAPH_HOST + "/v1.0/tenantRelationships/delegatedAdminRelationships"
GRAPH = {"Authorization": f"Bearer sandbox-graph:{seed.PARTNER_TENANT_ID}"}
OTHER_PARTNER = {"Authorization": "Bearer sandbox-graph:another-partner"}


@pytest.mark.parametrize(("header", "message"), [
    ("", "Access token is empty."),
    (f"Bearer sandbox-app:{seed.PARTNER_TENANT_ID}", "Invalid audience."),
    (f"Bearer sandbox-user:{seed.PARTNER_TENANT_ID}", "Invalid audience."),
])
def test_graph_routes_refuse_partner_center_tokens_and_missing_ones(graph_responses, header,
                                                                     message):
    refused = requests.get(GDAP, headers={"Authorization": header} if header else {}, timeout=5)
    assert refused.status_code == 401 and message in refused.json()["error"]["message"]
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "WWW-Authenticate" in refused.headers


def test_partner_center_routes_keep_refusing_the_graph_token(graph_responses):
    refused = requests.get(PC_URL + "/v1/customers", headers=GRAPH, timeout=5)
    assert refused.status_code == 401 and refused.json()["code"] == 900420


@pytest.mark.parametrize(("query", "message"), [
    ({"$top": "301"}, "between 1 and 300"), ({"$top": "0"}, "between 1 and 300"),
    ({"$filter": "startswith(displayName,'a')"}, "Invalid filter clause"),
    ({"$skiptoken": "not-ours"}, "$skiptoken is not valid"),
])
def test_odata_options_outside_graphs_limits_are_refused(graph_responses, query, message):
    refused = requests.get(GDAP, params=query, headers=GRAPH, timeout=5)
    assert refused.status_code == 400 and message in refused.json()["error"]["message"]


def test_a_filter_reads_quoted_names_and_combined_clauses(graph_responses, new_relationship):
    new_relationship("O'Brien and sons")
    found = requests.get(GDAP, headers=GRAPH, timeout=5, params={
        "$filter": f"(displayName eq 'O''Brien and sons') and "
                   f"(customer/tenantId eq '{seed.TENANT_WITHOUT_DAP_ID}')"}).json()["value"]
    assert [r["displayName"] for r in found] == ["O'Brien and sons"]


def test_a_malformed_relationship_id_answers_graphs_field_reported_error(graph_responses):
    refused = requests.post(f"{GDAP}/not-a-relationship/accessAssignments", json={},
                            headers=GRAPH, timeout=5)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "The passed in delegatedAdminRelationshipId is invalid.")


def test_another_partners_relationship_is_not_found(graph_client, new_relationship):
    made = new_relationship()
    hidden = requests.get(f"{GDAP}/{made.id}", headers=OTHER_PARTNER, timeout=5)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "itemNotFound"
    with pytest.raises(NotFound):
        graph_client.get_relationship(made.id[:-1] + "0")


@pytest.mark.parametrize("action", ["approve", "reject", "delete"])
def test_a_partner_can_only_lock_or_terminate(graph_responses, new_relationship, action):
    made = new_relationship()
    refused = requests.post(f"{GDAP}/{made.id}/requests", json={"action": action},
                            headers=GRAPH, timeout=5)
    assert refused.status_code == 400 and "lockForApproval, terminate" in refused.text


def test_locking_twice_is_refused_because_the_relationship_is_no_longer_created(
        graph_client, new_relationship):
    made = new_relationship()
    graph_client.lock_for_approval(made.id)
    with pytest.raises(Exception, match="status created, not approvalPending"):
        graph_client.lock_for_approval(made.id)


def test_writes_need_the_partner_delegated_administration_service_principal(
        graph_client, pc_sandbox):
    pc_sandbox.config.gdap_partner_service_principal = False
    with pytest.raises(AccessDenied, match="2832473f-ec63-45fb-976f-5d45a7d4bb91"):
        graph_client.create_relationship(seed.TENANT_WITHOUT_DAP_ID, "No SP",
                                         timedelta(days=30), ROLES)
    assert list(graph_client.list_relationships()) == []  # reads still work


def test_injected_throttling_is_answered_with_retry_after_and_the_client_waits(
        graph_client, pc_sandbox, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1.0/tenantRelationships/*", status=429,
                         retry_after=3, count=2)
    assert list(graph_client.list_relationships()) == []
    assert pc_sleeps == [3.0, 3.0]


def test_persistent_throttling_reaches_the_caller_typed(graph_client, pc_sandbox):
    pc_sandbox.add_fault("error", "GET /v1.0/*", status=429, retry_after=5, count=None)
    with pytest.raises(Throttled) as throttled:
        list(graph_client.list_relationships())
    assert throttled.value.retry_after == 5.0 and throttled.value.code == "TooManyRequests"


def test_the_rate_limit_covers_graph_calls_too(graph_responses, pc_sandbox):
    waits: list[float] = []

    def wait(seconds: float) -> None:  # the client waits; sandbox time passes
        waits.append(seconds)
        pc_sandbox.advance(seconds)

    client = GraphClient(requests.Session(), LIVE_GRAPH_URL, sleeper=wait,
                         token_provider=SandboxGraphTokenProvider(seed.PARTNER_TENANT_ID))
    pc_sandbox.config.rate_limit_per_minute = 2
    for _ in range(3):
        list(client.list_relationships())
    assert len(waits) == 1 and 0 < waits[0] <= 60


def test_approving_needs_a_pending_relationship_and_an_existing_one(control, new_relationship):
    made = new_relationship()
    assert control(f"/gdap/{made.id}/approve").status_code == 409
    assert control("/gdap/00000000-0000-4000-8000-000000000000-x/approve").status_code == 404
    assert control(f"/gdap/{made.id}/dance").status_code == 404


def test_a_relationship_without_customer_is_approved_by_whichever_tenant_accepts(
        graph_client, graph_responses, control):
    made = requests.post(GDAP, headers=GRAPH, timeout=5, json={
        "displayName": "Any customer", "duration": "P30D",
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": ROLES[0]}]}}).json()
    assert made["customer"] is None
    graph_client.lock_for_approval(made["id"])
    assert control(f"/gdap/{made['id']}/approve").status_code == 409  # which tenant?
    approved = control(f"/gdap/{made['id']}/approve", {"tenantId": seed.TENANT_WITH_DAP_ID})
    assert approved.json()["customer"] == {"tenantId": seed.TENANT_WITH_DAP_ID,
                                           "displayName": "Fabrikam Retail"}


def test_expire_and_terminate_controls_end_an_active_relationship(graph_client,
                                                                  active_relationship, control):
    first, second = active_relationship(name="One"), active_relationship(name="Two")
    assert control(f"/gdap/{first.id}/expire").json()["status"] == "expired"
    assert control(f"/gdap/{second.id}/terminate").json()["status"] == "terminated"
    assert graph_client.get_relationship(first.id).ends is not None


def test_gdap_state_lives_beside_partner_centers_and_reset_clears_it(pc_sandbox,
                                                                    new_relationship):
    made = new_relationship()
    assert made.id in pc_sandbox.snapshot()["gdap"]["relationships"]
    assert seed.TENANT_WITH_DAP_ID in pc_sandbox.snapshot()["customers"]
    pc_sandbox.reset()
    assert pc_sandbox.snapshot()["gdap"] == {"relationships": {}}


def test_a_401_is_answered_by_signing_in_again_with_the_same_client_request_id(
        graph_client, pc_sandbox, graph_responses, pc_sleeps):
    pc_sandbox.add_fault("error", "GET /v1.0/tenantRelationships/*", status=401, count=1)
    assert list(graph_client.list_relationships()) == []
    sent = [c.request for c in graph_responses.calls if "/v1.0/" in c.request.url]
    assert len(sent) == 2 and pc_sleeps == []
    assert sent[0].headers["client-request-id"] == sent[1].headers["client-request-id"]


def test_a_second_401_in_a_row_is_raised_as_reauthentication_required(
        graph_client, pc_sandbox, graph_responses):
    pc_sandbox.add_fault("error", "GET /v1.0/tenantRelationships/*", status=401, count=2)
    with pytest.raises(ReauthenticationRequired) as refused:
        list(graph_client.list_relationships())
    assert refused.value.http_status == 401
    assert len([c for c in graph_responses.calls if "/v1.0/" in c.request.url]) == 2
