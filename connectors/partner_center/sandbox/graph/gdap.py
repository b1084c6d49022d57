"""GDAP relationships, their requests and access assignments: state machine and handlers."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.graph import durations
from connectors.graph.types import AUTO_EXTEND, GLOBAL_ADMINISTRATOR
from connectors.partner_center.sandbox.graph.http import GraphCtx, GraphFault, bad_request
from connectors.partner_center.sandbox.graph.odata import METADATA, matches, page, paging
from connectors.partner_center.sandbox.state import Sandbox

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
GUID = re.compile(f"^{_GUID}$")
RELATIONSHIP_ID = re.compile(f"^{_GUID}-{_GUID}$")
PATH = "/tenantRelationships/delegatedAdminRelationships"
_UNANSWERED = timedelta(days=90)  # gdap-faq: an unanswered request expires after 90 days
_AUTO_EXTEND_VALUES = ("PT0S", "P0D", "P180D")
_LIVE_ASSIGNMENTS = ("pending", "active")


def iso(moment: datetime) -> str:
    """Graph's timestamp format: UTC, seven fractional digits, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _at(text: str) -> datetime:
    """Parse one of our timestamps."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _etag() -> str:
    """A weak etag shaped like Graph's: W/"<base64 of '"<guid>"'>"."""
    return 'W/"' + base64.b64encode(f"'\"{uuid.uuid4()}\"'".encode()).decode() + '"'


def touch(sb: Sandbox, record: dict[str, Any], **changes: Any) -> None:
    """Apply a change: new values, lastModifiedDateTime and a new etag."""
    record.update(changes)
    record["lastModifiedDateTime"] = iso(sb.now())
    record["_etag"] = _etag()


def store(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """All relationships, by id."""
    return sb.data.setdefault("gdap", {}).setdefault("relationships", {})


def refresh(sb: Sandbox, rec: dict[str, Any]) -> dict[str, Any]:
    """Move a relationship along the sandbox clock (expiry, auto-extension, termination)."""
    now = sb.now()
    if rec["status"] == "approvalPending" and now >= _at(rec["_lockedAt"]) + _UNANSWERED:
        touch(sb, rec, status="expired")
    if rec["status"] == "terminationRequested":
        touch(sb, rec, status="terminated")
    if rec["status"] == "active" and now >= _at(rec["endDateTime"]):
        end = _at(rec["endDateTime"])
        if rec["autoExtendDuration"] != "P180D":
            touch(sb, rec, status="expired")
            return rec
        while end <= now:
            end += AUTO_EXTEND
        touch(sb, rec, endDateTime=iso(end))
    return rec


def view(rec: dict[str, Any], base: str | None = None, context: str = "") -> dict[str, Any]:
    """A relationship as Graph shows it (private "_" fields dropped)."""
    head: dict[str, Any] = {"@odata.type": "#microsoft.graph.delegatedAdminRelationship"}
    if base and context:
        head["@odata.context"] = f"{base}{METADATA}{context}"
    head["@odata.etag"] = rec["_etag"]
    return head | {k: v for k, v in rec.items() if not k.startswith("_")}


def _assignment_view(item: dict[str, Any], base: str, context: str = "") -> dict[str, Any]:
    """An access assignment as Graph shows it."""
    head: dict[str, Any] = {"@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment"}
    if context:
        head["@odata.context"] = f"{base}{METADATA}{context}"
    head["@odata.etag"] = item["_etag"]
    return head | {k: v for k, v in item.items() if not k.startswith("_")}


def _roles(body: dict[str, Any]) -> list[str]:
    """accessDetails.unifiedRoles as role template ids: at least one, all GUIDs."""
    roles = (body.get("accessDetails") or {}).get("unifiedRoles")
    ids = [r.get("roleDefinitionId") for r in roles or [] if isinstance(r, dict)]
    if not ids or not all(isinstance(i, str) and GUID.match(i) for i in ids):
        raise bad_request("accessDetails.unifiedRoles must list roleDefinitionId GUIDs.")
    return list(dict.fromkeys(i.lower() for i in ids))


def _duration(body: dict[str, Any]) -> tuple[str, timedelta]:
    """duration: ISO 8601, between P1D and P2Y inclusive."""
    raw = body.get("duration")
    try:
        span = durations.parse(raw) if isinstance(raw, str) else timedelta(0)
    except ValueError:
        span = timedelta(0)
    if not isinstance(raw, str) or not timedelta(days=1) <= span <= timedelta(days=730):
        raise bad_request("duration must be an ISO 8601 duration between P1D and P2Y.")
    return raw, span


def _auto_extend(body: dict[str, Any], roles: list[str]) -> str:
    """autoExtendDuration: PT0S (default), P0D or P180D; never with Global Administrator."""
    value = body.get("autoExtendDuration") or "PT0S"
    if value not in _AUTO_EXTEND_VALUES:
        raise bad_request("autoExtendDuration must be PT0S, P0D or P180D.")
    if value == "P180D" and GLOBAL_ADMINISTRATOR in roles:
        raise bad_request("A relationship with the Global Administrator role cannot be "
                          "extended automatically.")
    return value


def _display_name(sb: Sandbox, partner: str, body: dict[str, Any]) -> str:
    """displayName: required, at most 50 characters, unique among the partner's."""
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("displayName is required.")
    if len(name) > 50:
        raise bad_request("displayName must be at most 50 characters.")
    if any(r["displayName"].casefold() == name.casefold() for r in store(sb).values()
           if r["_partner"] == partner):
        raise GraphFault(409, "nameAlreadyExists",
                         f"A delegated admin relationship named '{name}' already exists.")
    return name


def customer(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any] | None:
    """customer: optional; its tenantId must be a GUID; a known tenant's name is filled."""
    customer = body.get("customer")
    if customer is None:
        return None
    tenant = customer.get("tenantId") if isinstance(customer, dict) else None
    if not isinstance(tenant, str) or not GUID.match(tenant):
        raise bad_request("customer.tenantId must be a tenant id (GUID).")
    known = sb.data["customers"].get(tenant.lower(), {}).get("companyProfile", {})
    return {"tenantId": tenant.lower(),
            "displayName": customer.get("displayName") or known.get("companyName")}


def create(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST delegatedAdminRelationships: 201 + Location, status `created`."""
    name = _display_name(sb, ctx.partner, ctx.body)
    raw, span = _duration(ctx.body)
    roles = _roles(ctx.body)
    auto = _auto_extend(ctx.body, roles)
    now, tail = sb.now(), ctx.partner if GUID.match(ctx.partner) else str(uuid.uuid4())
    rec = {"id": f"{uuid.uuid4()}-{tail}".lower(), "displayName": name, "duration": raw,
           "customer": customer(sb, ctx.body),
           "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
           "status": "created", "autoExtendDuration": auto, "createdDateTime": iso(now),
           "lastModifiedDateTime": iso(now), "activatedDateTime": "",
           # As in the documented create answer: a provisional end before activation.
           "endDateTime": iso(now + span), "_partner": ctx.partner, "_etag": _etag(),
           "_assignments": {}, "_requests": {}}
    store(sb)[rec["id"]] = rec
    return 201, view(rec, ctx.base_url, "delegatedAdminRelationships"), {
        "Location": f"{ctx.base_url}{PATH}/{rec['id']}"}


def _fields(rec: dict[str, Any]) -> dict[str, str]:
    """The properties $filter can name, by lower-cased name."""
    return {"customer/tenantid": (rec.get("customer") or {}).get("tenantId") or "",
            "displayname": rec["displayName"], "status": rec["status"]}


def _relationship(sb: Sandbox, ctx: GraphCtx) -> dict[str, Any]:
    """The partner's relationship named in the path, brought up to the sandbox clock."""
    rid = ctx.params["relationship"]
    if not RELATIONSHIP_ID.match(rid):
        raise bad_request("The passed in delegatedAdminRelationshipId is invalid.")
    rec = store(sb).get(rid.lower())
    if rec is None or rec["_partner"] != ctx.partner:
        raise GraphFault(404, "itemNotFound", f"Delegated admin relationship {rid} not found.")
    return refresh(sb, rec)


def get(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any]:
    """GET delegatedAdminRelationships/{id}."""
    rec = _relationship(sb, ctx)
    return 200, view(rec, ctx.base_url, "delegatedAdminRelationships/$entity")


def list_all(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any]:
    """GET delegatedAdminRelationships[?$filter=...&$top=...], paged by $skiptoken."""
    state = paging(ctx, sb.config.gdap_page_size)
    mine = sorted((refresh(sb, r) for r in store(sb).values() if r["_partner"] == ctx.partner),
                  key=lambda r: (r["createdDateTime"], r["id"]))
    found = [view(r) for r in mine if matches(_fields(r), state["f"])]
    return 200, page(found, state, ctx.base_url, PATH, "delegatedAdminRelationships")


def create_request(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST {id}/requests: lockForApproval (from created) or terminate (from active)."""
    rec = _relationship(sb, ctx)
    action = ctx.body.get("action")
    moves = {"lockForApproval": ("created", "approvalPending"),
             "terminate": ("active", "terminationRequested")}
    if action not in moves:
        raise bad_request(f"'{action}' is not an action a partner can request "
                          "(lockForApproval, terminate).")
    before, after = moves[action]
    if rec["status"] != before:
        raise bad_request(f"{action} needs a relationship in status {before}, "
                          f"not {rec['status']}.")
    now = iso(sb.now())
    touch(sb, rec, status=after, **({"_lockedAt": now} if after == "approvalPending" else
                                     {"endDateTime": now}))
    made = {"id": str(uuid.uuid4()), "action": action, "status": "created",
            "createdDateTime": now, "lastModifiedDateTime": now}
    rec["_requests"][made["id"]] = made | {"status": "succeeded"}
    body = {"@odata.type": "#microsoft.graph.delegatedAdminRelationshipRequest",
            "@odata.context": f"{ctx.base_url}{METADATA}requests"} | made
    return 201, body, {"Location": f"{ctx.base_url}{PATH}/{rec['id']}/requests/{made['id']}"}


def create_assignment(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any, dict[str, str]]:
    """POST {id}/accessAssignments: a partner security group gets some of the roles."""
    rec = _relationship(sb, ctx)
    if rec["status"] != "active":
        raise bad_request("Access assignments can be created only for an active "
                          f"relationship; this one is {rec['status']}.")
    group = _security_group(ctx.body)
    roles = _roles(ctx.body)
    granted = {r["roleDefinitionId"] for r in rec["accessDetails"]["unifiedRoles"]}
    if set(roles) - granted:
        raise bad_request("The roles must be among the relationship's roles; not granted: "
                          + ", ".join(sorted(set(roles) - granted)))
    if any(a["accessContainer"]["accessContainerId"] == group and a["status"] in
           _LIVE_ASSIGNMENTS for a in rec["_assignments"].values()):
        raise bad_request(f"Security group {group} already has an access assignment.")
    now = iso(sb.now())
    item = {"id": str(uuid.uuid4()), "status": "pending", "createdDateTime": now,
            "lastModifiedDateTime": now,
            "accessContainer": {"accessContainerId": group,
                                "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
            "_etag": _etag()}
    rec["_assignments"][item["id"]] = item
    return 201, _assignment_view(item, ctx.base_url, "accessAssignments"), {
        "Location": f"{ctx.base_url}{PATH}/{rec['id']}/accessAssignments/{item['id']}"}


def list_assignments(sb: Sandbox, ctx: GraphCtx) -> tuple[int, Any]:
    """GET {id}/accessAssignments; a pending assignment is active once read again."""
    rec = _relationship(sb, ctx)
    state = paging(ctx, sb.config.gdap_page_size)
    for item in rec["_assignments"].values():
        if item["status"] == "pending":
            touch(sb, item, status="active")
    found = [_assignment_view(a, ctx.base_url) for a in rec["_assignments"].values()]
    return 200, page(found, state, ctx.base_url, f"{PATH}/{rec['id']}/accessAssignments",
                      "accessAssignments")


def _security_group(body: dict[str, Any]) -> str:
    """accessContainer: a security group of the partner tenant, by id."""
    container = body.get("accessContainer") or {}
    group = container.get("accessContainerId") if isinstance(container, dict) else None
    if container.get("accessContainerType") != "securityGroup" or not (
            isinstance(group, str) and GUID.match(group)):
        raise bad_request("accessContainer must name a security group: accessContainerType "
                          "securityGroup and its accessContainerId.")
    return group.lower()
