"""Customer endpoints of the sandbox: create, read, search, domain availability."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from connectors.partner_center import wire
from connectors.partner_center.sandbox import paging
from connectors.partner_center.sandbox.errors import SandboxError, bad_request, not_found
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.validation import check_registration, postal_code_ok

Answer = tuple[int, Any]
_SEARCH_FIELDS = {"domain": ("companyProfile", "domain"),
                  "companyname": ("companyProfile", "companyName"),
                  "indirectreseller": (None, "associatedPartnerId")}


def collection(items: list[Any], object_type: str = "Collection") -> dict[str, Any]:
    """Partner Center's collection envelope."""
    return {"totalCount": len(items), "items": items, "links": {},
            "attributes": {"objectType": object_type}}


def customer(sb: Sandbox, tenant_id: str) -> dict[str, Any]:
    """The stored customer or 404/60003 (no relationship with the partner)."""
    found = sb.data["customers"].get(tenant_id)
    if found is None:
        raise not_found(60003, f"Customer tenant {tenant_id}")
    return found


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    """List view: allowDelegatedAccess appears only when reading one customer by id."""
    return {k: v for k, v in record.items() if k != "allowDelegatedAccess"}


def _address(billing: dict[str, Any]) -> dict[str, Any]:
    """Check the default address like Partner Center does and return it."""
    address = wire.obj(billing, "defaultAddress")
    for key, limit in (("addressLine1", 200), ("city", 200), ("country", 2)):
        if not 1 <= len(wire.text(address, key)) <= limit:
            raise bad_request(2000, f"defaultAddress.{key} is required.")
    for key in ("firstName", "lastName"):
        if len(wire.text(address, key)) > 50:
            raise bad_request(2000, f"defaultAddress.{key} is longer than 50 characters.")
    if not postal_code_ok(wire.text(address, "country"), wire.text(address, "postalCode")):
        raise bad_request(2000, "defaultAddress.postalCode is not valid for the country.")
    return address


def _domain(sb: Sandbox, company: dict[str, Any]) -> str:
    """The requested initial domain, refused when empty or taken."""
    domain = wire.text(company, "domain").lower()
    if not domain:
        raise bad_request(2000, "companyProfile.domain is required.")
    if not domain.endswith(".onmicrosoft.com"):
        domain += ".onmicrosoft.com"
    if domain_taken(sb, domain):
        raise bad_request(2000, f"The domain {domain} is already in use.")
    return domain


def create(sb: Sandbox, body: dict[str, Any]) -> Answer:
    """POST /v1/customers → 201 with generated ids and the first admin's credentials."""
    company, billing = wire.obj(body, "companyProfile"), wire.obj(body, "billingProfile")
    address = _address(billing)
    if not wire.text(billing, "email") or not wire.text(billing, "companyName"):
        raise bad_request(2000, "billingProfile.email and companyName are required.")
    check_registration(wire.text(address, "country"),
                       wire.get(company, "organizationRegistrationNumber"),
                       wire.get(address, "phoneNumber"))
    domain, tenant_id = _domain(sb, company), str(uuid.uuid4())
    record = {
        "id": tenant_id, "commerceId": str(uuid.uuid4()), "relationshipToPartner": "reseller",
        "allowDelegatedAccess": True,
        "companyProfile": {"tenantId": tenant_id, "domain": domain,
                           "companyName": wire.text(billing, "companyName")} | (
            {"organizationRegistrationNumber": wire.get(company,
                                                        "organizationRegistrationNumber")}
            if wire.get(company, "organizationRegistrationNumber") else {}),
        "billingProfile": billing | {
            "id": str(uuid.uuid4()), "defaultAddress": address | {"id": str(uuid.uuid4())},
            "attributes": {"etag": str(uuid.uuid4()), "objectType": "CustomerBillingProfile"}},
        "attributes": {"objectType": "Customer"},
    }
    if wire.get(body, "associatedPartnerId"):
        record["associatedPartnerId"] = wire.get(body, "associatedPartnerId")
    sb.data["customers"][tenant_id] = record
    credentials = {"userName": f"admin@{domain}", "password": secrets.token_urlsafe(12)}
    return 201, _listed(record) | {"userCredentials": credentials}


def get(sb: Sandbox, tenant_id: str) -> Answer:
    """GET /v1/customers/{id}, the only read that carries allowDelegatedAccess."""
    return 200, customer(sb, tenant_id)


def search(sb: Sandbox, raw_filter: str | None, size: int, seek: str | None = None,
           token: str | None = None) -> Answer:
    """GET /v1/customers[?size=&filter=…]: case-insensitive starts_with on one field, in
    pages of `size`; ?seekOperation=Next with MS-ContinuationToken reads the next page."""
    if (seek or "").lower() == "next":
        state = paging.decode(token)
        raw_filter, size, offset = state.get("filter"), int(state["size"]), int(state["offset"])
    else:
        size, offset = size if size > 0 else paging.DEFAULT_SIZE, 0
    records = [_listed(r) for r in _matching(sb, raw_filter)]
    query = f"size={size}" + (f"&filter={quote(raw_filter)}" if raw_filter else "")
    return 200, paging.page(
        records, offset, size, f"/v1/customers?{query}",
        lambda at: {"filter": raw_filter, "size": size, "offset": at},
        "/v1/customers?seekOperation=Next")


def _matching(sb: Sandbox, raw_filter: str | None) -> list[dict[str, Any]]:
    """The customers a filter selects, in the order they were created."""
    records = list(sb.data["customers"].values())
    if not raw_filter:
        return records
    try:
        query = wire.camelize(json.loads(raw_filter))
    except ValueError as exc:
        raise bad_request(2000, "The filter is not valid JSON.") from exc
    field = _SEARCH_FIELDS.get(wire.text(query, "field").lower())
    if field is None or wire.text(query, "operator").lower() != "starts_with":
        raise bad_request(2000, "Only starts_with on Domain, CompanyName or "
                                "IndirectReseller is supported.")
    value = wire.text(query, "value").lower()
    return [r for r in records
            if wire.text(r.get(field[0], r) if field[0] else r, field[1]).lower()
            .startswith(value)]


def domain_taken(sb: Sandbox, domain: str) -> bool:
    """True when some tenant already uses the domain."""
    domain = domain.lower()
    used = {wire.text(c["companyProfile"], "domain").lower()
            for c in sb.data["customers"].values()}
    return domain in used or domain in sb.data["takenDomains"]


def domain_head(sb: Sandbox, domain: str) -> Answer:
    """HEAD /v1/domains/{domain}: 200 taken, 404 free, empty body either way."""
    if not domain.lower().endswith(".onmicrosoft.com"):
        raise SandboxError(400, 2000, "Only onmicrosoft.com domains can be checked.")
    return (200 if domain_taken(sb, domain) else 404), None
