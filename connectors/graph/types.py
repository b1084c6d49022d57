"""Typed GDAP values (frozen dataclasses) parsed from Graph's JSON; raw JSON stays here.

Graph is inconsistent about "not yet": a relationship in status `created` shows
activatedDateTime "" and a provisional endDateTime, a pending reseller relationship shows
null for both, and customer.displayName can be null. Empty strings and nulls are both
read as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.graph import durations

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
AUTO_EXTEND = timedelta(days=180)  # P180D, the only extension Graph supports


def _obj(data: Any, key: str) -> dict[str, Any]:
    """A nested JSON object, or {} when absent or null."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _text(data: Any, key: str) -> str | None:
    """A string field; absent, null and "" all become None."""
    value = data.get(key) if isinstance(data, dict) else None
    return str(value) if value not in (None, "") else None


def _time(data: Any, key: str) -> datetime | None:
    """An ISO 8601 timestamp field (Graph writes 7 fractional digits and a Z)."""
    value = _text(data, key)
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _duration(data: Any, key: str) -> timedelta:
    """An ISO 8601 duration field; absent means none (PT0S)."""
    value = _text(data, key)
    return durations.parse(value) if value else timedelta(0)


def _roles(data: Any) -> tuple[str, ...]:
    """The roleDefinitionIds of an accessDetails object, in Graph's order."""
    roles = _obj(data, "accessDetails").get("unifiedRoles") or []
    return tuple(str(r["roleDefinitionId"]) for r in roles
                 if isinstance(r, dict) and r.get("roleDefinitionId"))


@dataclass(frozen=True)
class Relationship:
    """A GDAP relationship between the partner and a customer tenant."""

    id: str
    display_name: str
    customer_tenant_id: str | None
    customer_name: str | None
    status: str
    duration: timedelta
    auto_extend_duration: timedelta
    roles: tuple[str, ...]  # Entra role template ids (roleDefinitionId)
    created: datetime | None
    activated: datetime | None
    ends: datetime | None  # endDateTime: expiry, or when it was terminated
    etag: str | None = None

    @property
    def auto_extends(self) -> bool:
        """True when Graph pushes the end out by 180 days at each expiry."""
        return self.auto_extend_duration > timedelta(0)

    def covers(self, roles: tuple[str, ...] | list[str] | set[str]) -> bool:
        """True when every one of `roles` was granted by this relationship."""
        return set(roles) <= set(self.roles)

    def active_at(self, moment: datetime) -> bool:
        """Active and not past its end date at `moment` (Graph may lag a few minutes)."""
        return self.status == "active" and (self.ends is None or self.ends > moment)

    @classmethod
    def from_wire(cls, data: Any) -> Relationship:
        """Parse a delegatedAdminRelationship (or resellerDelegatedAdminRelationship)."""
        customer = _obj(data, "customer")
        return cls(
            id=_text(data, "id") or "", display_name=_text(data, "displayName") or "",
            customer_tenant_id=_text(customer, "tenantId"),
            customer_name=_text(customer, "displayName"),
            status=_text(data, "status") or "", duration=_duration(data, "duration"),
            auto_extend_duration=_duration(data, "autoExtendDuration"),
            roles=_roles(data), created=_time(data, "createdDateTime"),
            activated=_time(data, "activatedDateTime"), ends=_time(data, "endDateTime"),
            etag=_text(data, "@odata.etag"))


@dataclass(frozen=True)
class RelationshipRequest:
    """A request on a relationship: lockForApproval or terminate, and how it went."""

    id: str
    action: str
    status: str  # created | pending | succeeded | failed
    created: datetime | None
    last_modified: datetime | None

    @classmethod
    def from_wire(cls, data: Any) -> RelationshipRequest:
        """Parse a delegatedAdminRelationshipRequest."""
        return cls(id=_text(data, "id") or "", action=_text(data, "action") or "",
                   status=_text(data, "status") or "",
                   created=_time(data, "createdDateTime"),
                   last_modified=_time(data, "lastModifiedDateTime"))


@dataclass(frozen=True)
class AccessAssignment:
    """Roles of a relationship given to a security group of the partner tenant."""

    id: str
    status: str  # pending | active | deleting | deleted | error
    security_group_id: str | None
    container_type: str | None
    roles: tuple[str, ...]
    created: datetime | None
    last_modified: datetime | None
    etag: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> AccessAssignment:
        """Parse a delegatedAdminAccessAssignment."""
        container = _obj(data, "accessContainer")
        return cls(id=_text(data, "id") or "", status=_text(data, "status") or "",
                   security_group_id=_text(container, "accessContainerId"),
                   container_type=_text(container, "accessContainerType"),
                   roles=_roles(data), created=_time(data, "createdDateTime"),
                   last_modified=_time(data, "lastModifiedDateTime"),
                   etag=_text(data, "@odata.etag"))
