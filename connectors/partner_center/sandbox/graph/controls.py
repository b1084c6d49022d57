"""The customer's side of GDAP as /_sandbox controls: approve, expire, terminate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from connectors.graph import durations
from connectors.partner_center.sandbox.graph.gdap import customer, iso, refresh, store, touch, view
from connectors.partner_center.sandbox.state import Sandbox


def _admin_relationship(sb: Sandbox, rid: str, status: str) -> dict[str, Any]:
    """A relationship by id in the given status, else LookupError/ValueError."""
    rec = store(sb).get(rid.lower())
    if rec is None:
        raise LookupError(f"unknown relationship {rid}")
    if refresh(sb, rec)["status"] != status:
        raise ValueError(f"relationship is {rec['status']}, not {status}")
    return rec


def approve(sb: Sandbox, rid: str, tenant_id: str | None = None) -> dict[str, Any]:
    """The customer's admin approves: active from now until now + duration."""
    rec = _admin_relationship(sb, rid, "approvalPending")
    party = rec["customer"] or {}
    if tenant_id and party and party["tenantId"] != tenant_id.lower():
        raise ValueError("the relationship was created for another tenant")
    if not party:
        if not tenant_id:
            raise ValueError("the relationship names no customer: give tenantId")
        party = customer(sb, {"customer": {"tenantId": tenant_id}})
    now = sb.now()
    touch(sb, rec, status="active", customer=party, activatedDateTime=iso(now),
           endDateTime=iso(now + durations.parse(rec["duration"])))
    return view(rec)


def end(sb: Sandbox, rid: str, status: str) -> dict[str, Any]:
    """An active relationship ends now: `expired` or `terminated`."""
    rec = _admin_relationship(sb, rid, "active")
    touch(sb, rec, status=status, endDateTime=iso(sb.now()))
    return view(rec)


def add_admin_controls(bp: Blueprint, sb: Sandbox) -> None:
    """POST /_sandbox/gdap/<id>/approve|expire|terminate (the customer's side)."""

    @bp.post("/gdap/<relationship_id>/<action>")
    def gdap_control(relationship_id: str, action: str) -> Any:
        body = request.get_json(silent=True) or {}
        actions = {"approve": lambda: approve(sb, relationship_id, body.get("tenantId")),
                   "expire": lambda: end(sb, relationship_id, "expired"),
                   "terminate": lambda: end(sb, relationship_id, "terminated")}
        if action not in actions:
            return jsonify(error=f"unknown action {action}"), 404
        try:
            with sb.lock:
                done = actions[action]()
                sb.changed()
        except LookupError as exc:
            return jsonify(error=str(exc)), 404
        except ValueError as exc:
            return jsonify(error=str(exc)), 409
        return jsonify(done)
