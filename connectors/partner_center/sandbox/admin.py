"""/_sandbox admin endpoints: faults, state, clock, config, reset (local use only)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from connectors.partner_center.sandbox import entitlements as software_entitlements
from connectors.partner_center.sandbox import entra, graph, invoices, partners
from connectors.partner_center.sandbox.errors import SandboxError
from connectors.partner_center.sandbox.faults import Fault
from connectors.partner_center.sandbox.state import Sandbox

_FAULT_FIELDS = {f.name for f in fields(Fault)}


def admin_blueprint(sb: Sandbox) -> Blueprint:
    """Blueprint driving the sandbox from outside the process (demo, browser tests)."""
    bp = Blueprint("sandbox_admin", __name__, url_prefix="/_sandbox")

    @bp.post("/faults")
    def add_fault() -> Any:
        body = request.get_json(silent=True) or {}
        unknown = set(body) - _FAULT_FIELDS
        if unknown:
            return jsonify(error=f"unknown fault fields: {sorted(unknown)}"), 400
        with sb.lock:
            return jsonify(asdict(sb.faults.add(Fault(**body)))), 201

    @bp.delete("/faults")
    def clear_faults() -> Any:
        with sb.lock:
            sb.faults.clear()
        return "", 204

    @bp.get("/state")
    def state() -> Any:
        with sb.lock:
            return jsonify(now=sb.now().isoformat(), config=asdict(sb.config),
                           faults=sb.faults.describe(), data=sb.snapshot())

    @bp.post("/clock")
    def clock() -> Any:
        body = request.get_json(silent=True) or {}
        if "now" in body:
            target = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
            seconds = (target - sb.now()).total_seconds()
        else:
            seconds = float(body.get("advance_seconds", 0))
        return jsonify(now=sb.advance(seconds).isoformat())

    @bp.post("/config")
    def config() -> Any:
        body = request.get_json(silent=True) or {}
        allowed = {f.name for f in fields(sb.config)}
        with sb.lock:
            for key, value in body.items():
                if key not in allowed:
                    return jsonify(error=f"unknown setting {key}"), 400
                setattr(sb.config, key, value)
            return jsonify(asdict(sb.config))

    @bp.post("/customers/<tenant_id>/delegated-access")
    def delegated_access(tenant_id: str) -> Any:
        allowed = bool((request.get_json(silent=True) or {}).get("allowed", True))
        if tenant_id not in sb.data["customers"]:
            return jsonify(error="unknown tenant"), 404
        sb.grant_delegated_access(tenant_id, allowed)
        return jsonify(id=tenant_id, allowDelegatedAccess=allowed)

    @bp.post("/reset")
    def reset() -> Any:
        sb.reset()
        return "", 204

    graph.add_admin_controls(bp, sb)  # /gdap/<id>/approve|expire|terminate
    entra.add_admin_controls(bp, sb)  # /entra/sign-in
    invoices.add_admin_controls(bp, sb)  # /billing/discrepancy
    software_entitlements.add_admin_controls(bp, sb)  # /customers/<id>/software-keys
    @bp.post("/customers/<tenant_id>/accept-reseller")
    def accept_reseller(tenant_id: str) -> Any:
        """The tenant's admin accepts a reseller's invitation: {"reseller": tenant or MPN}."""
        body = request.get_json(silent=True) or {}
        with sb.lock:
            try:
                return jsonify(partners.accept_invitation(sb, tenant_id,
                                                          str(body.get("reseller") or ""))), 201
            except SandboxError as error:
                return jsonify(error.body()), error.status

    return bp
