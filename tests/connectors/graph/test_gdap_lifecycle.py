"""GDAP through the real Graph client against the stateful sandbox: create, lock, the
customer's approval, expiry and auto-extension by the clock, paging, access assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.graph import (
    GLOBAL_ADMINISTRATOR,
    Conflict,
    InvalidRequest,
    approval_url,
)
from connectors.partner_center.sandbox import seed
from tests.connectors.graph.conftest import DIRECTORY_READERS, GROUP, ROLES, USER_ADMIN

APPROVAL = "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/" \
    "granularAdminRelationships/"


def test_a_relationship_is_created_for_the_customer_with_the_requested_roles(new_relationship):
    created = new_relationship(days=730)
    assert created.status == "created" and created.display_name == "Northwind GDAP"
    assert created.customer_tenant_id == seed.TENANT_WITHOUT_DAP_ID
    assert created.customer_name == "Northwind Traders"  # filled in from the tenant
    assert created.roles == ROLES and created.duration == timedelta(days=730)
    assert created.activated is None and not created.auto_extends
    assert created.id.endswith(seed.PARTNER_TENANT_ID)  # <guid>-<partner tenant>


def test_locking_waits_for_the_customer_and_the_approval_link_names_the_relationship(
        graph_client, new_relationship):
    created = new_relationship()
    request = graph_client.lock_for_approval(created.id)
    assert (request.action, request.status) == ("lockForApproval", "created")
    assert graph_client.get_relationship(created.id).status == "approvalPending"
    assert graph_client.approval_url(created.id) == APPROVAL + created.id
    assert approval_url(created.id) == APPROVAL + created.id


def test_the_customers_approval_makes_it_active_until_activation_plus_duration(
        active_relationship, pc_sandbox):
    active = active_relationship(days=90)
    assert active.status == "active" and active.activated is not None
    assert active.ends == active.activated + timedelta(days=90)
    assert active.active_at(pc_sandbox.now()) and active.covers([DIRECTORY_READERS])
    assert not active.covers([GLOBAL_ADMINISTRATOR])


def test_an_active_relationship_expires_at_its_end_date_on_the_sandbox_clock(
        graph_client, active_relationship, pc_sandbox):
    active = active_relationship(days=30)
    pc_sandbox.advance(timedelta(days=29).total_seconds())
    assert graph_client.get_relationship(active.id).status == "active"
    pc_sandbox.advance(timedelta(days=2).total_seconds())
    expired = graph_client.get_relationship(active.id)
    assert expired.status == "expired" and not expired.active_at(pc_sandbox.now())


def test_auto_extension_moves_the_end_out_180_days_instead_of_expiring(
        graph_client, active_relationship, pc_sandbox):
    active = active_relationship(days=30, auto_extend=True)
    assert active.auto_extends
    pc_sandbox.advance(timedelta(days=31).total_seconds())
    extended = graph_client.get_relationship(active.id)
    assert extended.status == "active"
    assert extended.ends == active.ends + timedelta(days=180)


def test_auto_extension_is_refused_when_the_roles_include_global_administrator(
        new_relationship):
    with pytest.raises(InvalidRequest) as refused:
        new_relationship(roles=(GLOBAL_ADMINISTRATOR,), auto_extend=True)
    assert refused.value.code == "badRequest" and refused.value.http_status == 400


def test_a_duration_beyond_two_years_is_refused(new_relationship):
    with pytest.raises(InvalidRequest, match="between P1D and P2Y"):
        new_relationship(days=731)


def test_terminating_ends_an_active_relationship(graph_client, active_relationship):
    active = active_relationship()
    assert graph_client.terminate_relationship(active.id).action == "terminate"
    assert graph_client.get_relationship(active.id).status == "terminated"


def test_an_approval_left_unanswered_for_90_days_expires(graph_client, new_relationship,
                                                         pc_sandbox):
    created = new_relationship()
    graph_client.lock_for_approval(created.id)
    pc_sandbox.advance(timedelta(days=90).total_seconds())
    assert graph_client.get_relationship(created.id).status == "expired"


def test_listing_for_one_customer_returns_only_that_customers_relationships(
        graph_client, new_relationship):
    new_relationship("Northwind GDAP")
    new_relationship("Fabrikam GDAP", tenant=seed.TENANT_WITH_DAP_ID)
    listed = list(graph_client.list_relationships(seed.TENANT_WITH_DAP_ID))
    assert [r.display_name for r in listed] == ["Fabrikam GDAP"]


def test_relationships_stream_page_by_page_through_next_link(graph_client, new_relationship,
                                                             graph_responses):
    for n in range(7):
        new_relationship(f"GDAP {n}", tenant=seed.TENANT_WITH_DAP_ID)
    before = len(graph_responses.calls)
    stream = graph_client.list_relationships(page_size=3)
    first = [next(stream) for _ in range(3)]
    assert len(graph_responses.calls) == before + 1  # one page read so far
    rest = list(stream)
    assert [r.display_name for r in first + rest] == [f"GDAP {n}" for n in range(7)]
    pages = [c.request.url for c in graph_responses.calls[before:]]
    assert len(pages) == 3 and all("$skiptoken=" in url for url in pages[1:])


def test_replaying_a_create_returns_the_relationship_already_made(graph_client,
                                                                 new_relationship):
    first = new_relationship()
    again = new_relationship()
    assert again.id == first.id
    assert len(list(graph_client.list_relationships())) == 1


def test_a_name_taken_by_another_customers_relationship_is_refused(new_relationship):
    new_relationship("Shared name", tenant=seed.TENANT_WITH_DAP_ID)
    with pytest.raises(Conflict) as taken:
        new_relationship("Shared name", tenant=seed.TENANT_WITHOUT_DAP_ID)
    assert taken.value.code == "nameAlreadyExists" and taken.value.http_status == 409


def test_a_create_whose_answer_was_lost_is_retried_and_not_doubled(
        graph_client, pc_sandbox, graph_responses, pc_sleeps):
    pc_sandbox.add_fault("timeout", "POST /v1.0/tenantRelationships/delegatedAdminRelationships")
    made = graph_client.create_relationship(seed.TENANT_WITHOUT_DAP_ID, "Lost answer",
                                            timedelta(days=30), ROLES)
    assert made.display_name == "Lost answer" and len(pc_sleeps) == 1
    posts = [c.request for c in graph_responses.calls if c.request.method == "POST"]
    assert len(posts) == 2 and len({p.headers["client-request-id"] for p in posts}) == 1
    assert len(pc_sandbox.data["gdap"]["relationships"]) == 1


def test_access_assignments_need_an_active_relationship(graph_client, new_relationship):
    created = new_relationship()
    with pytest.raises(InvalidRequest, match="active relationship"):
        graph_client.create_access_assignment(created.id, GROUP, [DIRECTORY_READERS])


def test_an_assignment_may_only_give_roles_the_relationship_grants(graph_client,
                                                                   active_relationship):
    active = active_relationship(roles=(DIRECTORY_READERS,))
    with pytest.raises(InvalidRequest, match=USER_ADMIN):
        graph_client.create_access_assignment(active.id, GROUP, [DIRECTORY_READERS, USER_ADMIN])


def test_an_assignment_is_pending_then_active_and_listed(graph_client, active_relationship):
    active = active_relationship()
    made = graph_client.create_access_assignment(active.id, GROUP, [DIRECTORY_READERS])
    assert (made.status, made.security_group_id, made.roles) == (
        "pending", GROUP, (DIRECTORY_READERS,))
    (listed,) = graph_client.list_access_assignments(active.id)
    assert (listed.id, listed.status, listed.container_type) == (
        made.id, "active", "securityGroup")


def test_replaying_an_assignment_returns_the_groups_existing_one(graph_client,
                                                                active_relationship):
    active = active_relationship()
    first = graph_client.create_access_assignment(active.id, GROUP, [DIRECTORY_READERS])
    again = graph_client.create_access_assignment(active.id, GROUP, [DIRECTORY_READERS])
    assert again.id == first.id
    assert len(list(graph_client.list_access_assignments(active.id))) == 1


def test_every_graph_call_carries_a_timeout(graph_client, active_relationship, graph_responses):
    active = active_relationship()
    graph_client.create_access_assignment(active.id, GROUP, [DIRECTORY_READERS])
    list(graph_client.list_relationships())
    graph_calls = [c for c in graph_responses.calls if "/v1.0/" in c.request.url]
    assert len(graph_calls) == 5  # create, lock, get, assign, list
    assert all(c.request.req_kwargs["timeout"] == (5.0, 30.0) for c in graph_calls)
