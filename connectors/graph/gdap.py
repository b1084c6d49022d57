"""GDAP operations on Microsoft Graph v1.0 `tenantRelationships/delegatedAdminRelationships`.

A relationship is created (status `created`), locked for approval (`approvalPending`), and
approved by the customer's admin through the approval link, after which it is `active`
until endDateTime; then security groups of the partner tenant get roles through access
assignments. Graph has no idempotency key for creates; a relationship's displayName is
unique per partner and an assignment's security group is unique per relationship, so a
create that Graph refuses is looked up by those and the existing object is returned when
it is the same request (a retry after a lost answer, or a replay after a crash).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from urllib.parse import quote

from connectors.graph import durations
from connectors.graph.errors import Conflict, InvalidRequest
from connectors.graph.paging import items
from connectors.graph.transport import Call, Transport
from connectors.graph.types import (
    AUTO_EXTEND,
    AccessAssignment,
    Relationship,
    RelationshipRequest,
)

RELATIONSHIPS = "/tenantRelationships/delegatedAdminRelationships"
APPROVAL_URL = ("https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/"
                "granularAdminRelationships/{id}")
MAX_PAGE_SIZE = 300  # "$top supports up to 300 objects"
# A name clash with one of these is our own earlier create; with any other state the
# name is simply taken.
_LIVE = ("created", "approvalPending", "approved", "activating", "active")


def approval_url(relationship_id: str) -> str:
    """The link the customer's admin opens to approve the relationship (documented form)."""
    return APPROVAL_URL.format(id=quote(relationship_id, safe="-"))


def _quoted(value: str) -> str:
    """An OData string literal: single quotes, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def _role_list(roles: Iterable[str]) -> list[dict[str, str]]:
    """accessDetails.unifiedRoles from role template ids, duplicates dropped."""
    return [{"roleDefinitionId": r} for r in dict.fromkeys(roles)]


class GdapApi:
    """The GDAP half of the Graph client (mixed into GraphClient)."""

    _transport: Transport

    def create_relationship(self, customer_tenant_id: str, display_name: str,
                            duration: timedelta, roles: Iterable[str], *,
                            auto_extend: bool = False,
                            customer_name: str | None = None) -> Relationship:
        """Create a relationship for one customer tenant; replaying the same create returns
        the relationship the first one made instead of failing on the taken name."""
        customer = {"tenantId": customer_tenant_id} | (
            {"displayName": customer_name} if customer_name else {})
        body = {"displayName": display_name, "duration": durations.format_duration(duration),
                "customer": customer, "accessDetails": {"unifiedRoles": _role_list(roles)},
                "autoExtendDuration": durations.format_duration(
                    AUTO_EXTEND if auto_extend else timedelta(0))}
        try:
            return Relationship.from_wire(
                self._transport.send(Call("POST", RELATIONSHIPS, body=body, ok=(201,))).json())
        except (InvalidRequest, Conflict):
            earlier = self._earlier_create(display_name, customer_tenant_id)
            if earlier is None:
                raise
            return earlier

    def get_relationship(self, relationship_id: str) -> Relationship:
        """One relationship by id."""
        path = f"{RELATIONSHIPS}/{quote(relationship_id, safe='-')}"
        return Relationship.from_wire(self._transport.send(Call("GET", path)).json())

    def list_relationships(self, customer_tenant_id: str | None = None, *,
                           page_size: int | None = None) -> Iterator[Relationship]:
        """The partner's relationships (optionally one customer's), streamed page by page."""
        query = {"$filter": f"customer/tenantId eq {_quoted(customer_tenant_id)}"} \
            if customer_tenant_id else {}
        yield from self._relationships(query, page_size)

    def lock_for_approval(self, relationship_id: str) -> RelationshipRequest:
        """Finalise a `created` relationship so the customer can approve it."""
        return self._request(relationship_id, "lockForApproval")

    def terminate_relationship(self, relationship_id: str) -> RelationshipRequest:
        """Ask Graph to end an `active` relationship before its end date."""
        return self._request(relationship_id, "terminate")

    approval_url = staticmethod(approval_url)

    def create_access_assignment(self, relationship_id: str, security_group_id: str,
                                 roles: Iterable[str]) -> AccessAssignment:
        """Give a partner security group some of an active relationship's roles; replaying
        it returns the group's existing assignment."""
        body = {"accessContainer": {"accessContainerId": security_group_id,
                                    "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": _role_list(roles)}}
        path = f"{RELATIONSHIPS}/{quote(relationship_id, safe='-')}/accessAssignments"
        try:
            return AccessAssignment.from_wire(
                self._transport.send(Call("POST", path, body=body, ok=(201,))).json())
        except (InvalidRequest, Conflict):
            earlier = self._earlier_assignment(relationship_id, security_group_id)
            if earlier is None:
                raise
            return earlier

    def list_access_assignments(self, relationship_id: str) -> Iterator[AccessAssignment]:
        """The relationship's access assignments, streamed page by page."""
        path = f"{RELATIONSHIPS}/{quote(relationship_id, safe='-')}/accessAssignments"
        for item in items(self._transport, Call("GET", path)):
            yield AccessAssignment.from_wire(item)

    def _relationships(self, query: dict[str, str],
                       page_size: int | None) -> Iterator[Relationship]:
        """Relationships matching an OData query, following @odata.nextLink."""
        if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size}")
        query = query | ({"$top": str(page_size)} if page_size else {})
        for item in items(self._transport, Call("GET", RELATIONSHIPS, params=query or None)):
            yield Relationship.from_wire(item)

    def _request(self, relationship_id: str, action: str) -> RelationshipRequest:
        """POST a relationship request (lockForApproval, terminate)."""
        path = f"{RELATIONSHIPS}/{quote(relationship_id, safe='-')}/requests"
        response = self._transport.send(Call("POST", path, body={"action": action}, ok=(201,)))
        return RelationshipRequest.from_wire(response.json())

    def _earlier_create(self, display_name: str, customer_tenant_id: str) -> Relationship | None:
        """Our own earlier relationship under this (unique) name, if that is what exists."""
        query = {"$filter": f"displayName eq {_quoted(display_name)}"}
        for found in self._relationships(query, None):
            if found.customer_tenant_id == customer_tenant_id and found.status in _LIVE:
                return found
        return None

    def _earlier_assignment(self, relationship_id: str,
                            security_group_id: str) -> AccessAssignment | None:
        """The security group's existing assignment on this relationship, if any."""
        live = ("pending", "active")
        return next((a for a in self.list_access_assignments(relationship_id)
                     if a.security_group_id == security_group_id and a.status in live), None)

