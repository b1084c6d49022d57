"""Customer endpoints of the sandbox: create, read, search, domain availability.

A customer is stored once; each operation answers the view Microsoft documents for it:
create-a-customer (credentials, no links), get-a-customer-by-id (company address and
email, billing contact, customDomains, allowDelegatedAccess) and the slim list items of
get-a-customer-by-name.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from flask import has_request_context, request

from connectors.partner_center import wire
from connectors.partner_center.sandbox import paging
from connectors.partner_center.sandbox.errors import SandboxError, bad_request, not_found
from connectors.partner_center.sandbox.state import Sandbox
from connectors.partner_center.sandbox.validation import check_registration, postal_code_ok

Answer = tuple[int, Any]
_SEARCH_FIELDS = {"domain": ("companyProfile", "domain"),
                  "companyname": ("companyProfile", "companyName"),
                  "indirectreseller": (None, "associatedPartnerId")}
_ADDRESS_KEYS = ("country", "city", "state", "addressLine1", "addressLine2", "postalCode",
                 "firstName", "lastName", "phoneNumber")


def link(uri: str, method: str = "GET") -> dict[str, Any]:
    """A Link resource; its uri is relative and without /v1, as the documented samples show."""
    return {"uri": uri, "method": method, "headers": []}


def _request_uri() -> str | None:
    """The request being answered, as a collection's self link (no /v1, query kept)."""
    if not has_request_context():
        return None
    query = request.query_string.decode()
    return request.path.removeprefix("/v1") + (f"?{query}" if query else "")


def collection(items: list[Any], object_type: str = "Collection", *, links: bool = True,
               attributes: bool = True) -> dict[str, Any]:
    """Partner Center's collection envelope. Not uniform in the docs: agreement templates,
    provisioning status and relationships have no links; customer agreements not even
    attributes."""
    body: dict[str, Any] = {"totalCount": len(items), "items": items}
    self_uri = _request_uri() if links else None
    if self_uri:
        body["links"] = {"self": link(self_uri)}
    if attributes:
        body["attributes"] = {"objectType": object_type}
    return body


def customer(sb: Sandbox, tenant_id: str) -> dict[str, Any]:
    """The stored customer or 404/60003 (no relationship with the partner)."""
    found = sb.data["customers"].get(tenant_id)
    if found is None:
        raise not_found(60003, f"Customer tenant {tenant_id}")
    return found


def country_of(sb: Sandbox, tenant_id: str) -> str:
    """The customer's billing country (catalog links carry it), US when unknown."""
    found = sb.data["customers"].get(tenant_id) or {}
    address = wire.obj(wire.obj(found, "billingProfile"), "defaultAddress")
    return wire.text(address, "country", "US").upper() or "US"


def _address_view(address: dict[str, Any]) -> dict[str, Any]:
    """An Address as documented: phoneNumber always ("" when none), addressLine2 if set."""
    view = {key: wire.text(address, key) for key in _ADDRESS_KEYS}
    if not view["addressLine2"]:
        del view["addressLine2"]
    return view


def _company(record: dict[str, Any], *, full: bool = False) -> dict[str, Any]:
    """CustomerCompanyProfile; read by id it also carries the address and email."""
    company, tenant = wire.obj(record, "companyProfile"), record["id"]
    view = {"tenantId": tenant, "domain": wire.text(company, "domain"),
            "companyName": wire.text(company, "companyName")}
    if wire.get(company, "organizationRegistrationNumber"):
        view["organizationRegistrationNumber"] = wire.get(company,
                                                          "organizationRegistrationNumber")
    if full:
        billing = wire.obj(record, "billingProfile")
        address = wire.obj(billing, "defaultAddress")
        view["address"] = {"country": wire.text(address, "country"),
                           "region": wire.text(address, "state"),
                           "city": wire.text(address, "city"),
                           "addressLine1": wire.text(address, "addressLine1"),
                           "postalCode": wire.text(address, "postalCode"),
                           "phoneNumber": wire.text(address, "phoneNumber")}
        view["email"] = wire.text(billing, "email")
    return view | {"links": {"self": link(f"/customers/{tenant}/profiles/company")},
                   "attributes": {"objectType": "CustomerCompanyProfile"}}


def _billing(record: dict[str, Any], *, full: bool = False) -> dict[str, Any]:
    """CustomerBillingProfile; read by id it also names the billing contact and links."""
    billing = wire.obj(record, "billingProfile")
    address = wire.obj(billing, "defaultAddress")
    view: dict[str, Any] = {"id": wire.text(billing, "id")}
    if full:
        view |= {"firstName": wire.text(billing, "firstName") or wire.text(address, "firstName"),
                 "lastName": wire.text(billing, "lastName") or wire.text(address, "lastName")}
    view |= {key: wire.text(billing, key) for key in ("email", "culture", "language",
                                                      "companyName")}
    view["defaultAddress"] = _address_view(address)
    if full:
        view["links"] = {"self": link(f"/customers/{record['id']}/profiles/billing")}
    etag = wire.text(wire.obj(billing, "attributes"), "etag")
    return view | {"attributes": {"etag": etag, "objectType": "CustomerBillingProfile"}}


def _associated(record: dict[str, Any]) -> dict[str, Any]:
    """associatedPartnerId, only for a customer of an indirect reseller."""
    partner = record.get("associatedPartnerId")
    return {"associatedPartnerId": partner} if partner else {}


def _created(record: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
    """The answer of create-a-customer: credentials, no links, no allowDelegatedAccess."""
    return {"id": record["id"], "commerceId": record["commerceId"],
            "companyProfile": _company(record), "billingProfile": _billing(record),
            "enableGDAPByDefault": bool(record.get("enableGDAPByDefault")),
            "relationshipToPartner": record["relationshipToPartner"],
            "userCredentials": credentials} | _associated(record) | {
        "attributes": {"objectType": "Customer"}}


def _by_id(record: dict[str, Any]) -> dict[str, Any]:
    """get-a-customer-by-id, the only read that carries allowDelegatedAccess."""
    domain = wire.text(wire.obj(record, "companyProfile"), "domain")
    return {"id": record["id"], "commerceId": record["commerceId"],
            "companyProfile": _company(record, full=True),
            "billingProfile": _billing(record, full=True),
            "relationshipToPartner": record["relationshipToPartner"],
            "allowDelegatedAccess": bool(record.get("allowDelegatedAccess")),
            "customDomains": [domain]} | _associated(record) | {
        "links": {"self": link(f"/customers/{record['id']}")},
        "attributes": {"objectType": "Customer"}}


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    """A list or search item: id, company profile and relationship only."""
    return {"id": record["id"], "companyProfile": _company(record),
            "relationshipToPartner": record["relationshipToPartner"],
            "links": {"self": link(f"/customers/{record['id']}")},
            "attributes": {"objectType": "Customer"}}


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


def _culture(value: str) -> str:
    """A culture as Partner Center echoes it: EN-US becomes en-US."""
    language, _, region = value.partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


def _etag() -> str:
    """A billing-profile etag: a signed 64-bit integer as a string, as documented."""
    return str(int.from_bytes(secrets.token_bytes(8), "big", signed=True))


def _stored_billing(billing: dict[str, Any], address: dict[str, Any]) -> dict[str, Any]:
    """The billing profile to keep: documented fields only (requests may carry nulls)."""
    kept = {key: wire.text(billing, key) for key in ("email", "language", "companyName",
                                                     "firstName", "lastName")}
    stored_address = {key: wire.text(address, key) for key in _ADDRESS_KEYS
                      if wire.text(address, key)}
    return {k: v for k, v in kept.items() if v} | {
        "id": str(uuid.uuid4()), "culture": _culture(wire.text(billing, "culture", "en-US")),
        "defaultAddress": stored_address,
        "attributes": {"etag": _etag(), "objectType": "CustomerBillingProfile"}}


def create(sb: Sandbox, body: dict[str, Any], as_user: bool = True) -> Answer:
    """POST /v1/customers → 201 with generated ids and the first admin's credentials."""
    if wire.get(body, "associatedPartnerId"):
        _check_indirect_reseller(sb, wire.text(body, "associatedPartnerId"), as_user)
    company, billing = wire.obj(body, "companyProfile"), wire.obj(body, "billingProfile")
    address = _address(billing)
    if not wire.text(billing, "email") or not wire.text(billing, "companyName"):
        raise bad_request(2000, "billingProfile.email and companyName are required.")
    registration = wire.get(company, "organizationRegistrationNumber")
    check_registration(wire.text(address, "country"), registration,
                       wire.get(address, "phoneNumber"))
    domain, tenant_id = _domain(sb, company), str(uuid.uuid4())
    record = {
        "id": tenant_id, "commerceId": str(uuid.uuid4()), "relationshipToPartner": "reseller",
        "allowDelegatedAccess": True,
        "enableGDAPByDefault": bool(wire.get(body, "enableGDAPByDefault")),
        "companyProfile": {"tenantId": tenant_id, "domain": domain,
                           "companyName": wire.text(billing, "companyName")} | (
            {"organizationRegistrationNumber": registration} if registration else {}),
        "billingProfile": _stored_billing(billing, address),
        "attributes": {"objectType": "Customer"},
    }
    if wire.get(body, "associatedPartnerId"):
        record["associatedPartnerId"] = wire.get(body, "associatedPartnerId")
    sb.data["customers"][tenant_id] = record
    credentials = {"userName": f"admin@{domain}", "password": secrets.token_urlsafe(12)}
    return 201, _created(record, credentials)


def _check_indirect_reseller(sb: Sandbox, partner: str, as_user: bool) -> None:
    """"Create a customer for an indirect reseller": App+User only (403/900329), and the
    reseller named by its tenant id (an unknown PartnerID 404/800015; a tenant that is not
    our indirect reseller 400/800016)."""
    if not as_user:
        raise SandboxError(403, 900329, "Creating a customer for an indirect reseller "
                                        "requires an app+user token.")
    tenants = {str(e.get("tenantId", "")).lower() for e in sb.data["mpn"].values()}
    if partner.lower() in tenants:
        return
    if not _GUID.fullmatch(partner):
        raise SandboxError(404, 800015, f"PartnerID {partner} isn't found.")
    raise bad_request(800016, f"PartnerID {partner} isn't a valid Indirect Reseller.")


_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def get(sb: Sandbox, tenant_id: str) -> Answer:
    """GET /v1/customers/{id}, the only read that carries allowDelegatedAccess."""
    return 200, _by_id(customer(sb, tenant_id))


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
